--- @include "keys"
--- @include "emit"
--- @include "pools"
--- @include "queueCounts"

-- The agent hash fields a status change needs, read in one HMGET (issue 12: each command counts
-- on the per-call path). Values as HMGET gives them: false when unset.
local AGENT_FIELDS = { 'status', 'reason', 'pendingStatus', 'pendingReason', 'version', 'call', 'profile',
  'deviceInUse', 'wrapupS', 'lostTalk' }
local function readAgent(agentKey)
  local v = redis.call('HMGET', agentKey, unpack(AGENT_FIELDS))
  local agent = {}
  for i, field in ipairs(AGENT_FIELDS) do agent[field] = v[i] end
  return agent
end

-- Moves an agent to `status` and keeps the idle-set invariant: an agent is in a queue's idle
-- set (and routing pool, see pools.lua) iff it is ready and a member, so this is the only place
-- that touches them on a status change (cost = number of the agent's queues). Bumps the
-- version, appends AgentStatus. `agent`: its readAgent() when the caller has it, else read here.
-- Returns the new version and the agent's queues.
local function setAgentStatus(prefix, eventsKey, agentId, status, reason, callId, by, now, agent)
  local agentKey = keys.agent(prefix, agentId)
  agent = agent or readAgent(agentKey)
  local previous, previousReason, askedStatus, askedReason =
    agent.status, agent.reason, agent.pendingStatus, agent.pendingReason
  -- Only a ready agent is in idle sets and routing pools, and only a ready one has a back-off
  -- (every script that adds to them checks it): leaving another status, there is nothing to take
  -- out, which spares the on-call steps (reserved → ringing → busy) five commands each (issue 12).
  local wasReady = previous == 'ready'
  local memberships = redis.call('HGETALL', agentKey .. ':queues')
  local queues = {}
  for i = 1, #memberships, 2 do queues[#queues + 1] = memberships[i] end
  for _, queue in ipairs(queues) do
    local idleKey = keys.queueIdle(prefix, queue)
    if status == 'ready' then
      redis.call('ZADD', idleKey, now, agentId)
    elseif wasReady then
      redis.call('ZREM', idleKey, agentId)
    end
  end
  recountStatus(prefix, queues, previous, status, previousReason, reason)
  local version = (tonumber(agent.version) or 0) + 1
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
  local known = { profile = agent.profile, memberships = memberships, deviceInUse = agent.deviceInUse, lostTalk = agent.lostTalk, lastIdle = now }
  if status == 'ready' then enterPools(prefix, agentId, known) elseif wasReady then leavePools(prefix, agentId, known) end
  emit(eventsKey, { type = 'AgentStatus', ts = now, agentId = agentId, status = status, previous = previous,
    reason = reason, callId = callId, by = by, pending = pending })
  return version, queues
end

-- Statuses in which the agent still works on its call (the record keeps the call id).
local ON_CALL = { reserved = true, ringing = true, busy = true, after_call_work = true }

-- Moves the agent handling `callId` to `status`; no-op when the agent has moved on to something
-- else (replays, supervisor actions). When the call leaves the agent free (ready or wrap-up),
-- the status the agent asked for during the call, if any, replaces it. `agent`: as setAgentStatus.
-- Returns the new version, the status applied and the agent's queues, or nil when nothing changed.
local function moveCallAgent(prefix, eventsKey, agentId, callId, status, reason, now, agent)
  if agentId == '' then return nil end
  agent = agent or readAgent(keys.agent(prefix, agentId))
  if agent.call ~= callId then return nil end
  if (status == 'ready' or status == 'after_call_work') and agent.pendingStatus and agent.pendingStatus ~= '' then
    status, reason = agent.pendingStatus, agent.pendingReason or ''
  end
  local keepCall = ''
  if ON_CALL[status] then keepCall = callId end
  local version, queues = setAgentStatus(prefix, eventsKey, agentId, status, reason, keepCall, 'system', now, agent)
  return version, status, queues
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
