--[[
  Blind transfer of a connected queue call to an extension (and a consult to an extension
  completed), one atomic step: the agent who had it completes it (AgentComplete reason
  'transfer', after-call work as at the end of a call) and the caller leaves the queues
  (QueueCallerLeave reason 'transfer'): the call is removed and a control call `cc:rd-<callId>`
  (kind redirect) follows the caller until the destination answers (src/acd/control/redirect.ts),
  keeping its queue and priority for a return when it does not. Fenced by the agent channel;
  nothing is written when a check fails.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (queue, agent, cc, ccs, waiting and ctl keys are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id (fence)
  ARGV[4] by (recorded in the CallControl event)
  ARGV[5] destination
  ARGV[6] destination channel id
  ARGV[7] engine node

  Returns {queue, agentId|'', version|0, wrapupS|0, '', 0}: the call's queue and the released
  agent's wrap-up when it entered after-call work.
  Errors  "ACD call_not_found -", "ACD invalid_state call_<state>".
]]
--- @include "keys"
--- @include "nowMs"
--- @include "transfer"

local prefix, callId, by, target, newChannel = ARGV[1], ARGV[2], ARGV[4], ARGV[5], ARGV[6]
local call, err = connectedCall(KEYS[1], ARGV[3])
if not call then return err end

local now = nowMs()
local reply = releaseAgent(prefix, KEYS[1], KEYS[2], KEYS[3], call, callId, 'extension', target, by, now)
local id = idPrefix.redirectRecord .. callId
redis.call('HSET', keys.controlCall(prefix, id), 'id', id, 'agentId', '', 'kind', 'redirect', 'state', 'dialing',
  'startedAt', now, 'previous', '', 'callerChannel', call.callerChannel, 'destLeg', newChannel,
  'destination', target, 'bridgeId', idPrefix.bridge .. newChannel, 'queue', call.queue, 'priority', call.priority,
  'callerNumber', call.callerNumber, 'callerName', call.callerName, 'node', ARGV[7])
redis.call('SADD', keys.controlCalls(prefix), id)
redis.call('ZREM', keys.queueWaiting(prefix, call.queue), callId)
removeQueueCall(prefix, KEYS[1], KEYS[2], KEYS[3], call, callId, 'transfer', now)
return reply
