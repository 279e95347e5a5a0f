--- @include "keys"
--- @include "emit"
--- @include "agentStatus"
--- @include "waiting"

-- The second half of every routing decision: `callId` (waiting, or offering for ringall and
-- ring-progressively) is offered to `agentId` (ready) on `agentChannel`. A waiting caller leaves
-- its waiting zset but keeps its score in the call hash, so a failed offer puts it back at the
-- same place. The agent is reserved, which takes it out of the idle sets and pools of all its
-- queues. `round` counts the offers ever made for the call (fences ring-progressively timers).
-- Returns the Assignment as a flat array: callId, queue, callerChannel, callerNumber, callerName,
-- agentId, endpoint, agentChannel, ringTimeoutS, ringStepS (0 unless ring-progressively), round,
-- manualAnswer ('1' when the agent answers on its desktop).
-- `params`: the routing parameters of the call's queue when the caller read them (route.lua).
local function reserve(prefix, chanKey, eventsKey, callId, agentId, agentChannel, now, params)
  local callKey = keys.call(prefix, callId)
  local agentKey = keys.agent(prefix, agentId)
  local call = redis.call('HMGET', callKey, 'queue', 'callerChannel', 'callerNumber', 'callerName', 'state', 'skills',
    'version', 'round')
  local queue = call[1]
  local round = (tonumber(call[8]) or 0) + 1
  local fields = { 'version', (tonumber(call[7]) or 0) + 1, 'round', round }
  if call[5] == 'waiting' then
    removeWaiting(keys.queueWaiting(prefix, queue), callId, call[6] or '')
    for _, v in ipairs({ 'state', 'offering', 'agentId', agentId, 'agentChannel', agentChannel, 'ringStartedAt', now }) do
      fields[#fields + 1] = v
    end
  end
  redis.call('HSET', callKey, unpack(fields))
  redis.call('HSET', callKey .. ':offers', agentChannel, agentId)
  redis.call('HSET', chanKey, agentChannel, callId)
  local agent = redis.call('HMGET', agentKey, 'endpoint', 'manualAnswer')
  local endpoint = agent[1]
  emit(eventsKey, { type = 'AgentCalled', ts = now, callId = callId, queue = queue, agentId = agentId,
    endpoint = endpoint, agentChannel = agentChannel })
  setAgentStatus(prefix, eventsKey, agentId, 'reserved', '', callId, 'system', now)
  local q
  if params and params.queue == queue then q = params.offer
  else q = redis.call('HMGET', keys.queue(prefix, queue), 'ringTimeoutS', 'strategy', 'ringStepS') end
  local ringStepS = 0
  if q[2] == 'ring-progressively' then ringStepS = tonumber(q[3] or '') or 5 end
  return { callId, queue, call[2], call[3], call[4], agentId, endpoint, agentChannel, q[1] or '0', ringStepS, round,
    agent[2] or '' }
end
