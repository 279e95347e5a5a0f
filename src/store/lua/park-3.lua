--[[
  Parks a connected queue call, one atomic step: the agent who had it completes it
  (AgentComplete reason 'park', after-call work as at the end of a call) and the caller leaves
  the queues (QueueCallerLeave reason 'park', CallParked) for the lowest free parking slot in
  range ARGV[5] (`701-720`): control call `cc:pk-<callId>` (kind park) keeps what a return to
  the queue needs (score = its place, skills, priority) and the slot in `parking` (slot → id)
  until unpark-3.lua (src/acd/control/park.ts). Fenced by the agent channel; nothing is written
  when a check fails.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (queue, agent, cc, ccs, parking and ctl keys are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id (fence)
  ARGV[4] by (recorded in the CallControl and CallParked events)
  ARGV[5] slot range `<first>-<last>`
  ARGV[6] holding bridge id
  ARGV[7] engine node

  Returns {queue, agentId|'', version|0, wrapupS|0, '', slot}: the call's queue, the released
  agent's wrap-up when it entered after-call work, and the parking slot.
  Errors  "ACD call_not_found -", "ACD invalid_state call_<state>", "ACD invalid_state no_free_parking_slot".
]]
--- @include "keys"
--- @include "nowMs"
--- @include "transfer"

local prefix, callId, by, target = ARGV[1], ARGV[2], ARGV[4], ARGV[5]
local call, err = connectedCall(KEYS[1], ARGV[3])
if not call then return err end
local slot
local first, last = string.match(target, '^(%d+)-(%d+)$')
for s = tonumber(first or 1), tonumber(last or 0) do
  if redis.call('HEXISTS', keys.parking(prefix), s) == 0 then slot = s break end
end
if not slot then return fail('invalid_state', 'no_free_parking_slot') end

local now = nowMs()
local reply = releaseAgent(prefix, KEYS[1], KEYS[2], KEYS[3], call, callId, 'park', target, by, now)
reply[6] = slot
local id = idPrefix.parkRecord .. callId
redis.call('HSET', keys.controlCall(prefix, id), 'id', id, 'agentId', '', 'kind', 'park', 'state', 'parked',
  'startedAt', now, 'previous', '', 'callerChannel', call.callerChannel, 'agentLeg', call.agentChannel,
  'bridgeId', ARGV[6], 'slot', slot, 'parkedBy', call.agentId, 'queue', call.queue,
  'priority', call.priority, 'score', call.score, 'skills', call.skills or '', 'joinedAt', call.joinedAt,
  'callerNumber', call.callerNumber, 'callerName', call.callerName, 'node', ARGV[7])
redis.call('SADD', keys.controlCalls(prefix), id)
redis.call('HSET', keys.parking(prefix), slot, id)
removeQueueCall(prefix, KEYS[1], KEYS[2], KEYS[3], call, callId, 'park', now)
emit(KEYS[3], { type = 'CallParked', ts = now, callId = callId, queue = call.queue, agentId = call.agentId,
  slot = slot, by = by })
return reply
