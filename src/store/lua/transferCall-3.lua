--[[
  Blind transfer of a connected queue call, one atomic step: the agent who had it completes it
  (AgentComplete reason 'transfer', after-call work as at the end of a call) and the caller is
    mode queue → waiting in queue <target> again, keeping its priority (QueueCallerJoin);
    mode agent → offered to agent <target>, who must be ready (AgentCalled; target reserved);
    mode consult → handed to agent <target>, busy on consult `cc:cs-<callId>` on channel ARGV[6]
                 (the consult leg becomes the call's agent leg; AgentConnect for the target);
                 with ARGV[9] (a consult to a queue): <target> is instead connected on channel
                 ARGV[6] to call ARGV[9], the consult's `queueCall`; that call is removed without
                 any end event (QueueCallerLeave reason 'consult') and its agent leg becomes this
                 call's;
    mode extension → leaves the queues for destination <target>: the call is removed and a
                 control call `cc:rd-<callId>` (kind redirect) follows the caller until the
                 destination answers (src/acd/control/redirect.ts).
    mode park → leaves the queues for the lowest free parking slot in range <target> (`701-720`):
                 control call `cc:pk-<callId>` (kind park) keeps what a return to the queue
                 needs (score = its place, skills, priority) and the slot in `parking` (slot →
                 id) until unpark-3.lua (src/acd/control/park.ts).
  A failed offer to the target agent later puts the caller back in the queue (offerFailed).
  Fenced by the agent channel; nothing is written when a check fails.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (queue, agent, waiting, idle and ctl keys are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id (fence)
  ARGV[4] mode: queue | agent | consult | extension | park
  ARGV[5] target queue id, agent id, destination or slot range (mode park)
  ARGV[6] new agent channel id (mode agent), destination channel id (mode extension) or holding
          bridge id (mode park)
  ARGV[8] engine node (mode extension, park)
  ARGV[7] by (recorded in the CallControl event)
  ARGV[9] the consult's queue call id (mode consult to a queue; absent otherwise)

  Returns {queue, agentId|'', version|0, wrapupS|0, targetEndpoint|'', slot|0}: the call's queue,
  the released agent's wrap-up when it entered after-call work, and the parking slot (mode park).
  Errors  "ACD call_not_found -", "ACD invalid_state <why>", "ACD queue_not_found <q>",
          "ACD agent_not_found <a>", "ACD invalid_state no_free_parking_slot".
]]
--- @include "nowMs"
--- @include "fail"
--- @include "emit"
--- @include "agentStatus"
--- @include "wrapUp"
--- @include "waiting"

local prefix, callId, agentChannel, mode, target, newChannel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return fail('call_not_found', '-') end
local call = {}
for i = 1, #flat, 2 do call[flat[i]] = flat[i + 1] end
if call.state ~= 'connected' or call.agentChannel ~= agentChannel then return fail('invalid_state', 'call_' .. call.state) end

local targetKey
if mode == 'queue' then
  if redis.call('EXISTS', prefix .. 'queue:' .. target) == 0 then return fail('queue_not_found', target) end
elseif mode == 'agent' then
  targetKey = prefix .. 'agent:' .. target
  local status = redis.call('HGET', targetKey, 'status')
  if not status then return fail('agent_not_found', target) end
  if target == call.agentId then return fail('invalid_state', 'target_is_self') end
  if status ~= 'ready' then return fail('invalid_state', 'target_' .. status) end
elseif mode == 'consult' then
  targetKey = prefix .. 'agent:' .. target
  local queueCall = ARGV[9] or ''
  if queueCall ~= '' then
    local qc = prefix .. 'call:' .. queueCall
    if redis.call('HGET', prefix .. 'cc:cs-' .. callId, 'queueCall') ~= queueCall or redis.call('HGET', targetKey, 'call') ~= queueCall
      or redis.call('HGET', qc, 'state') ~= 'connected' or redis.call('HGET', qc, 'agentChannel') ~= newChannel then
      return fail('invalid_state', 'no_consult_with_' .. target)
    end
  elseif redis.call('HGET', targetKey, 'call') ~= 'cs-' .. callId then return fail('invalid_state', 'no_consult_with_' .. target) end
end
local slot
if mode == 'park' then
  local first, last = string.match(target, '^(%d+)-(%d+)$')
  for s = tonumber(first or 1), tonumber(last or 0) do
    if redis.call('HEXISTS', prefix .. 'parking', s) == 0 then slot = s break end
  end
  if not slot then return fail('invalid_state', 'no_free_parking_slot') end
end

local now = nowMs()
local answeredAt = tonumber(call.answeredAt)
emit(KEYS[3], { type = 'AgentComplete', ts = now, callId = callId, queue = call.queue, agentId = call.agentId,
  talkMs = now - answeredAt, waitMs = answeredAt - tonumber(call.joinedAt), reason = mode == 'park' and 'park' or 'transfer' })
emit(KEYS[3], { type = 'CallControl', ts = now, callId = callId, agentId = call.agentId, action = 'transfer',
  detail = mode .. ':' .. target, by = ARGV[7] })
local agentKey = prefix .. 'agent:' .. call.agentId
redis.call('HINCRBY', agentKey, 'talkMs', now - answeredAt) -- least-talk-time routing, as endCall
local queueWrapupS = redis.call('HGET', prefix .. 'queue:' .. call.queue, 'wrapupS') or '0'
local version, wrapupS = wrapUp(prefix, KEYS[3], call.agentId, callId, queueWrapupS, now)
local reply = { call.queue, '', 0, 0, '', slot or 0 }
if version then
  redis.call('HINCRBY', agentKey, 'callsTaken', 1)
  if tonumber(wrapupS) > 0 then reply = { call.queue, call.agentId, version, wrapupS, '', slot or 0 } end
end
redis.call('HDEL', KEYS[2], agentChannel)
redis.call('DEL', prefix .. 'ctl:' .. callId)

if mode == 'queue' then
  local seq = redis.call('INCR', prefix .. 'seq')
  local score = string.format('%.0f', (1000 - tonumber(call.priority)) * 1099511627776 + seq)
  redis.call('HSET', KEYS[1], 'queue', target, 'state', 'waiting', 'agentId', '', 'agentChannel', '', 'bridgeId', '',
    'answeredAt', 0, 'ringStartedAt', 0, 'score', score)
  local waitingKey = prefix .. 'queue:' .. target .. ':waiting'
  redis.call('HSET', KEYS[1], 'joinSeq', seq)
  uncountCall(prefix, call.queue, callId)
  countCall(prefix, target, callId, call.joinedAt)
  addWaiting(waitingKey, callId, score, call.skills or '') -- with the routing index (waiting.lua)
  emit(KEYS[3], { type = 'QueueCallerJoin', ts = now, callId = callId, queue = target,
    position = redis.call('ZRANK', waitingKey, callId) + 1, callerNumber = call.callerNumber,
    callerName = call.callerName, priority = tonumber(call.priority) })
  reply[1] = target
elseif mode == 'consult' then
  local consultId = 'cs-' .. callId
  redis.call('DEL', prefix .. 'cc:' .. consultId)
  redis.call('SREM', prefix .. 'ccs', consultId)
  local queueCall = ARGV[9] or ''
  if queueCall ~= '' then
    local qc = prefix .. 'call:' .. queueCall
    local consultCall = redis.call('HMGET', qc, 'queue', 'callerChannel', 'joinedAt', 'answeredAt')
    redis.call('HDEL', KEYS[2], consultCall[2])
    redis.call('SREM', prefix .. 'calls', queueCall)
    uncountCall(prefix, consultCall[1], queueCall) -- the read endpoints' per-queue index (queueCounts.lua)
    redis.call('DEL', qc, qc .. ':offers', prefix .. 'ctl:' .. queueCall)
    emit(KEYS[3], { type = 'QueueCallerLeave', ts = now, callId = queueCall, queue = consultCall[1], reason = 'consult',
      waitMs = tonumber(consultCall[4]) - tonumber(consultCall[3]) })
  end
  redis.call('HSET', KEYS[1], 'agentId', target, 'agentChannel', newChannel, 'answeredAt', now)
  redis.call('HSET', KEYS[2], newChannel, callId)
  emit(KEYS[3], { type = 'AgentConnect', ts = now, callId = callId, queue = call.queue, agentId = target,
    waitMs = now - tonumber(call.joinedAt), ringMs = 0, bridgeId = call.bridgeId })
  setAgentStatus(prefix, KEYS[3], target, 'busy', '', callId, 'system', now)
elseif mode == 'extension' then
  local id = 'rd-' .. callId
  redis.call('HSET', prefix .. 'cc:' .. id, 'id', id, 'agentId', '', 'kind', 'redirect', 'state', 'dialing',
    'startedAt', now, 'previous', '', 'callerChannel', call.callerChannel, 'destLeg', newChannel,
    'destination', target, 'bridgeId', 'bridge-' .. newChannel, 'queue', call.queue, 'priority', call.priority,
    'callerNumber', call.callerNumber, 'callerName', call.callerName, 'node', ARGV[8])
  redis.call('SADD', prefix .. 'ccs', id)
  redis.call('ZREM', prefix .. 'queue:' .. call.queue .. ':waiting', callId)
  redis.call('HDEL', KEYS[2], call.callerChannel)
  redis.call('SREM', prefix .. 'calls', callId)
  uncountCall(prefix, call.queue, callId) -- the read endpoints' per-queue index (queueCounts.lua)
  redis.call('DEL', KEYS[1], KEYS[1] .. ':offers')
  emit(KEYS[3], { type = 'QueueCallerLeave', ts = now, callId = callId, queue = call.queue, reason = 'transfer',
    waitMs = answeredAt - tonumber(call.joinedAt) })
  return reply
elseif mode == 'park' then
  local id = 'pk-' .. callId
  redis.call('HSET', prefix .. 'cc:' .. id, 'id', id, 'agentId', '', 'kind', 'park', 'state', 'parked',
    'startedAt', now, 'previous', '', 'callerChannel', call.callerChannel, 'agentLeg', agentChannel,
    'bridgeId', newChannel, 'slot', slot, 'parkedBy', call.agentId, 'queue', call.queue,
    'priority', call.priority, 'score', call.score, 'skills', call.skills or '', 'joinedAt', call.joinedAt,
    'callerNumber', call.callerNumber, 'callerName', call.callerName, 'node', ARGV[8])
  redis.call('SADD', prefix .. 'ccs', id)
  redis.call('HSET', prefix .. 'parking', slot, id)
  redis.call('HDEL', KEYS[2], call.callerChannel)
  redis.call('SREM', prefix .. 'calls', callId)
  uncountCall(prefix, call.queue, callId) -- the read endpoints' per-queue index (queueCounts.lua)
  redis.call('DEL', KEYS[1], KEYS[1] .. ':offers')
  emit(KEYS[3], { type = 'QueueCallerLeave', ts = now, callId = callId, queue = call.queue, reason = 'park',
    waitMs = answeredAt - tonumber(call.joinedAt) })
  emit(KEYS[3], { type = 'CallParked', ts = now, callId = callId, queue = call.queue, agentId = call.agentId,
    slot = slot, by = ARGV[7] })
  return reply
else
  redis.call('HSET', KEYS[1], 'state', 'offering', 'agentId', target, 'agentChannel', newChannel, 'bridgeId', '',
    'answeredAt', 0, 'ringStartedAt', now)
  redis.call('HSET', KEYS[2], newChannel, callId)
  -- The offers of a call (agent channel → agent), as the routing scripts keep them.
  redis.call('HSET', KEYS[1] .. ':offers', newChannel, target)
  local endpoint = redis.call('HGET', targetKey, 'endpoint')
  emit(KEYS[3], { type = 'AgentCalled', ts = now, callId = callId, queue = call.queue, agentId = target,
    endpoint = endpoint, agentChannel = newChannel })
  setAgentStatus(prefix, KEYS[3], target, 'reserved', '', callId, 'system', now)
  reply[5] = endpoint
end
redis.call('HINCRBY', KEYS[1], 'version', 1)
return reply
