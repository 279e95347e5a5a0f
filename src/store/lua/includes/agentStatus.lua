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
  -- One read for all the step needs (issue 12: each command counts on the per-call path).
  local previous, previousReason, askedStatus, askedReason, version =
    unpack(redis.call('HMGET', agentKey, 'status', 'reason', 'pendingStatus', 'pendingReason', 'version'))
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
  recountStatus(prefix, queues, previous, status, previousReason, reason)
  version = (tonumber(version) or 0) + 1
  local fields = { 'status', status, 'reason', reason, 'since', now, 'call', callId, 'version', version }
  if status == 'ready' then
    fields[#fields + 1] = 'lastIdle'
    fields[#fields + 1] = now
  end
  redis.call('HSET', agentKey, unpack(fields))
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
    if askedStatus then pending = { status = askedStatus, reason = askedReason or '' } end
  end
  if status == 'ready' then enterPools(prefix, agentId) elseif wasReady then leavePools(prefix, agentId) end
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
  if agentId == '' then return nil end
  local agent = redis.call('HMGET', keys.agent(prefix, agentId), 'call', 'pendingStatus', 'pendingReason')
  if agent[1] ~= callId then return nil end
  if (status == 'ready' or status == 'after_call_work') and agent[2] and agent[2] ~= '' then
    status, reason = agent[2], agent[3] or ''
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
