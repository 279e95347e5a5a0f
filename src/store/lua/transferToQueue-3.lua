--[[
  Blind transfer of a connected queue call to a queue, one atomic step: the agent who had it
  completes it (AgentComplete reason 'transfer', after-call work as at the end of a call) and the
  caller waits in queue ARGV[5] again, keeping its priority (QueueCallerJoin; at the end of its
  priority class). ARGV[6] = '1': not a transfer, the agent's leg left before the bridge: the
  caller waits in its own queue at its old place and the agent's AgentComplete is 'completeagent'. Fenced by the agent channel; nothing is written when a check fails.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (queue, agent, waiting and ctl keys are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id (fence)
  ARGV[4] by (recorded in the CallControl event)
  ARGV[5] target queue id
  ARGV[6] '1': the agent's leg left before the bridge (keep the caller's place: score and joinSeq)

  Returns {queue, agentId|'', version|0, wrapupS|0, '', 0}: the target queue and the released
  agent's wrap-up when it entered after-call work.
  Errors  "ACD call_not_found -", "ACD invalid_state call_<state>", "ACD queue_not_found <q>".
]]
--- @include "keys"
--- @include "nowMs"
--- @include "transfer"
--- @include "waiting"

local prefix, callId, by, target = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local call, err = connectedCall(KEYS[1], ARGV[3])
if not call then return err end
if redis.call('EXISTS', keys.queue(prefix, target)) == 0 then return fail('queue_not_found', target) end

local now = nowMs()
local agentLeft = ARGV[6] == '1'
local reply = releaseAgent(prefix, KEYS[1], KEYS[2], KEYS[3], call, callId, agentLeft and 'agentLeft' or 'queue', target, by, now)
local seq, score
if agentLeft and target == call.queue and call.score and call.score ~= '' then
  seq, score = call.joinSeq, call.score
else
  seq = redis.call('INCR', keys.seq(prefix))
  score = string.format('%.0f', (1000 - tonumber(call.priority)) * 1099511627776 + seq)
end
redis.call('HSET', KEYS[1], 'queue', target, 'state', 'waiting', 'agentId', '', 'agentChannel', '', 'bridgeId', '',
  'answeredAt', 0, 'ringStartedAt', 0, 'score', score, 'joinSeq', seq)
uncountCall(prefix, call.queue, callId)
countCall(prefix, target, callId, call.joinedAt)
local waitingKey = keys.queueWaiting(prefix, target)
addWaiting(waitingKey, callId, score, call.skills or '') -- with the routing index (waiting.lua)
emit(KEYS[3], { type = 'QueueCallerJoin', ts = now, callId = callId, queue = target,
  position = redis.call('ZRANK', waitingKey, callId) + 1, callerNumber = call.callerNumber,
  callerName = call.callerName, priority = tonumber(call.priority) })
reply[1] = target
redis.call('HINCRBY', KEYS[1], 'version', 1)
return reply
