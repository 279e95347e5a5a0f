--- @include "emit"
--- @include "agentStatus"

-- The second half of every routing decision: `callId` (waiting) is offered to `agentId` (ready).
-- The caller leaves its waiting zset but keeps its score in the call hash, so a failed offer
-- puts it back at the same place. The agent is reserved, which takes it out of the idle sets of
-- all its queues. Returns the Assignment as a flat array.
local function reserve(prefix, chanKey, eventsKey, callId, agentId, agentChannel, now)
  local callKey = prefix .. 'call:' .. callId
  local agentKey = prefix .. 'agent:' .. agentId
  local call = redis.call('HMGET', callKey, 'queue', 'callerChannel', 'callerNumber', 'callerName')
  local queue = call[1]
  redis.call('ZREM', prefix .. 'queue:' .. queue .. ':waiting', callId)
  redis.call('HSET', callKey, 'state', 'offering', 'agentId', agentId, 'agentChannel', agentChannel,
    'ringStartedAt', now)
  redis.call('HINCRBY', callKey, 'version', 1)
  redis.call('HSET', chanKey, agentChannel, callId)
  local endpoint = redis.call('HGET', agentKey, 'endpoint')
  emit(eventsKey, { type = 'AgentCalled', ts = now, callId = callId, queue = queue, agentId = agentId,
    endpoint = endpoint, agentChannel = agentChannel })
  setAgentStatus(prefix, eventsKey, agentId, 'reserved', '', callId, 'system', now)
  local ringTimeoutS = redis.call('HGET', prefix .. 'queue:' .. queue, 'ringTimeoutS') or '0'
  return { callId, queue, call[2], call[3], call[4], agentId, endpoint, agentChannel, ringTimeoutS }
end
