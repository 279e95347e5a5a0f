--- @include "keys"
--- @include "emit"
--- @include "pools"
--- @include "queueCounts"

-- Moves an agent to `status` and keeps the idle-set invariant: an agent is in a queue's idle
-- set (and routing pool, see pools.lua) iff it is ready and a member, so this is the only place
-- that touches them on a status change (cost = number of the agent's queues). Bumps the
-- version, appends AgentStatus.
-- Returns the new version.
local function setAgentStatus(prefix, eventsKey, agentId, status, reason, callId, by, now)
  local agentKey = keys.agent(prefix, agentId)
  local previous, previousReason = unpack(redis.call('HMGET', agentKey, 'status', 'reason'))
  -- Only a ready agent is in idle sets and routing pools, and only a ready one has a back-off
  -- (every script that adds to them checks it): leaving another status, there is nothing to take
  -- out, which spares the on-call steps (reserved → ringing → busy) five commands each (issue 12).
  local wasReady = previous == 'ready'
  local queues = redis.call('HKEYS', agentKey .. ':queues')
  for _, queue in ipairs(queues) do
    local idleKey = keys.queueIdle(prefix, queue)
    if status == 'ready' then
      redis.call('ZADD', idleKey, now, agentId)
    elseif wasReady then
      redis.call('ZREM', idleKey, agentId)
    end
  end
  if status == 'ready' then
    redis.call('HSET', agentKey, 'lastIdle', now)
  end
  recountStatus(prefix, queues, previous, status, previousReason, reason)
  redis.call('HSET', agentKey, 'status', status, 'reason', reason, 'since', now, 'call', callId)
  -- A status asked for the end of the call (changeStatus-2.lua) lasts only while on the call,
  -- and the AgentStatus events on the call carry it.
  local pending = nil
  if status ~= 'reserved' and status ~= 'ringing' and status ~= 'busy' then
    -- Any status change ends a busy/reject back-off (offerFailed sets it again after this).
    if wasReady then
      redis.call('HDEL', agentKey, 'pendingStatus', 'pendingReason', 'availableAt')
    else
      redis.call('HDEL', agentKey, 'pendingStatus', 'pendingReason')
    end
  else
    if wasReady then redis.call('HDEL', agentKey, 'availableAt') end
    local asked = redis.call('HMGET', agentKey, 'pendingStatus', 'pendingReason')
    if asked[1] then pending = { status = asked[1], reason = asked[2] or '' } end
  end
  if status == 'ready' then enterPools(prefix, agentId) elseif wasReady then leavePools(prefix, agentId) end
  local version = redis.call('HINCRBY', agentKey, 'version', 1)
  emit(eventsKey, { type = 'AgentStatus', ts = now, agentId = agentId, status = status, previous = previous,
    reason = reason, callId = callId, by = by, pending = pending })
  return version
end

-- Statuses in which the agent still works on its call (the record keeps the call id).
local ON_CALL = { reserved = true, ringing = true, busy = true, after_call_work = true }

-- Moves the agent handling `callId` to `status`; no-op when the agent has moved on to something
-- else (replays, supervisor actions). When the call leaves the agent free (ready or wrap-up),
-- the status the agent asked for during the call, if any, replaces it.
-- Returns the new version and the status applied, or nil when nothing changed.
local function moveCallAgent(prefix, eventsKey, agentId, callId, status, reason, now)
  local agentKey = keys.agent(prefix, agentId)
  if agentId == '' or redis.call('HGET', agentKey, 'call') ~= callId then
    return nil
  end
  if status == 'ready' or status == 'after_call_work' then
    local pending = redis.call('HMGET', agentKey, 'pendingStatus', 'pendingReason')
    if pending[1] and pending[1] ~= '' then status, reason = pending[1], pending[2] or '' end
  end
  local keepCall = ''
  if ON_CALL[status] then keepCall = callId end
  return setAgentStatus(prefix, eventsKey, agentId, status, reason, keepCall, 'system', now), status
end

-- Busy/reject back-off: the agent stays ready (idle score = the moment it may be offered again,
-- `availableAt` the same) but leaves its routing pools until endBackoff.
local function startBackoff(prefix, agentId, availableAt)
  local agentKey = keys.agent(prefix, agentId)
  redis.call('HSET', agentKey, 'availableAt', availableAt)
  for _, q in ipairs(redis.call('HKEYS', agentKey .. ':queues')) do
    redis.call('ZADD', keys.queueIdle(prefix, q), 'XX', availableAt, agentId)
  end
  leavePools(prefix, agentId)
end

local function endBackoff(prefix, agentId)
  redis.call('HDEL', keys.agent(prefix, agentId), 'availableAt')
  enterPools(prefix, agentId)
end
