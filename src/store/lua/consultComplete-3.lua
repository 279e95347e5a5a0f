--[[
  Completes a consult: the connected queue call is handed to agent ARGV[5], busy on the consult
  `cc:cs-<callId>`, whose consult leg ARGV[6] becomes the call's agent leg (AgentConnect for the
  target); the agent who had it completes it (AgentComplete reason 'transfer', after-call work as
  at the end of a call) and the consult record goes. With ARGV[7] (a consult to a queue): the
  target is instead connected on channel ARGV[6] to call ARGV[7], the consult's `queueCall`;
  that call is removed without any end event (QueueCallerLeave reason 'consult') and its agent
  leg becomes this call's. Fenced by the agent channel; nothing is written when a check fails.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (agent, cc, ccs, call and ctl keys are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id (fence)
  ARGV[4] by (recorded in the CallControl event)
  ARGV[5] the consulted agent's id
  ARGV[6] its channel: the consult leg, or the queue call's agent leg
  ARGV[7] the consult's queue call id ('' for a consult to an agent)

  Returns {queue, agentId|'', version|0, wrapupS|0, '', 0}: the call's queue and the released
  agent's wrap-up when it entered after-call work.
  Errors  "ACD call_not_found -", "ACD invalid_state call_<state>", "ACD invalid_state no_consult_with_<a>".
]]
--- @include "keys"
--- @include "nowMs"
--- @include "transfer"
--- @include "agentStatus"

local prefix, callId, by, target, newChannel, queueCall = ARGV[1], ARGV[2], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local call, err = connectedCall(KEYS[1], ARGV[3])
if not call then return err end
local consultId = idPrefix.consultRecord .. callId
local targetKey = keys.agent(prefix, target)
if queueCall ~= '' then
  local qc = keys.call(prefix, queueCall)
  if redis.call('HGET', keys.controlCall(prefix, consultId), 'queueCall') ~= queueCall or redis.call('HGET', targetKey, 'call') ~= queueCall
    or redis.call('HGET', qc, 'state') ~= 'connected' or redis.call('HGET', qc, 'agentChannel') ~= newChannel then
    return fail('invalid_state', 'no_consult_with_' .. target)
  end
elseif redis.call('HGET', targetKey, 'call') ~= consultId then return fail('invalid_state', 'no_consult_with_' .. target) end

local now = nowMs()
local reply = releaseAgent(prefix, KEYS[1], KEYS[2], KEYS[3], call, callId, 'consult', target, by, now)
redis.call('DEL', keys.controlCall(prefix, consultId))
redis.call('SREM', keys.controlCalls(prefix), consultId)
if queueCall ~= '' then
  local qc = keys.call(prefix, queueCall)
  local consultCall = redis.call('HMGET', qc, 'queue', 'callerChannel', 'joinedAt', 'answeredAt')
  redis.call('HDEL', KEYS[2], consultCall[2])
  redis.call('SREM', keys.calls(prefix), queueCall)
  uncountCall(prefix, consultCall[1], queueCall) -- the read endpoints' per-queue index (queueCounts.lua)
  redis.call('DEL', qc, keys.callOffers(prefix, queueCall), keys.ctl(prefix, queueCall))
  emit(KEYS[3], { type = 'QueueCallerLeave', ts = now, callId = queueCall, queue = consultCall[1], reason = 'consult',
    waitMs = tonumber(consultCall[4]) - tonumber(consultCall[3]) })
end
redis.call('HSET', KEYS[1], 'agentId', target, 'agentChannel', newChannel, 'answeredAt', now)
redis.call('HSET', KEYS[2], newChannel, callId)
emit(KEYS[3], { type = 'AgentConnect', ts = now, callId = callId, queue = call.queue, agentId = target,
  waitMs = now - tonumber(call.joinedAt), ringMs = 0, bridgeId = call.bridgeId })
setAgentStatus(prefix, KEYS[3], target, 'busy', '', callId, 'system', now)
redis.call('HINCRBY', KEYS[1], 'version', 1)
return reply
