--[[
  A parked call (control call `cc:pk-<callId>`, written by park-3.lua) leaves
  its slot, one atomic step with the CallUnparked event:
    agentId ''        the caller hung up (reason hangup): record and slot go, nothing else;
    otherwise         the queue call comes back waiting in its queue with its old score (its
                      place) and priority (QueueCallerJoin, resumed) and, when agent <agentId>
                      is ready, is offered to it at once on channel ARGV[6] (reserve.lua).
  ARGV[7] = 'strict' (a retrieval) refuses an agent that is not ready; 'fallback' (the timeout's
  return to the parking agent) leaves the caller waiting in its queue then.

  KEYS[1] control call hash   acd:{t}:cc:pk-<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (call, queue, agent, parking and ccs keys are built from it; same hash tag)
  ARGV[2] control call id pk-<callId>
  ARGV[3] reason: retrieved | timeout | hangup
  ARGV[4] by
  ARGV[5] agent id ('' = the caller is gone)
  ARGV[6] agent channel id for the offer
  ARGV[7] strict | fallback
  ARGV[8] startedAt of the park (fence; '' = any)

  Returns nil when the call is not parked (or the fence does not match), {'gone'}, {'noqueue'}
  (its queue was deleted: the caller is to be hung up), {'queue', queue} or {'agent', <the
  Assignment as reserve.lua returns it>...}.
  Errors  "ACD invalid_state agent_<status>", "ACD agent_not_found <a>".
]]
--- @include "keys"
--- @include "nowMs"
--- @include "fail"
--- @include "emit"
--- @include "agentStatus"
--- @include "waiting"
--- @include "reserve"

local prefix, id, reason, by, agentId, agentChannel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return nil end
local r = {}
for i = 1, #flat, 2 do r[flat[i]] = flat[i + 1] end
if r.kind ~= 'park' or (ARGV[8] ~= '' and r.startedAt ~= ARGV[8]) then return nil end
local status
if agentId ~= '' then
  status = redis.call('HGET', keys.agent(prefix, agentId), 'status')
  if ARGV[7] == 'strict' then
    if not status then return fail('agent_not_found', agentId) end
    if status ~= 'ready' then return fail('invalid_state', 'agent_' .. status) end
  end
end

local now = nowMs()
local callId = string.sub(id, #idPrefix.parkRecord + 1)
redis.call('DEL', KEYS[1])
redis.call('SREM', keys.controlCalls(prefix), id)
redis.call('HDEL', keys.parking(prefix), r.slot)
emit(KEYS[3], { type = 'CallUnparked', ts = now, callId = callId, queue = r.queue, agentId = r.parkedBy,
  slot = tonumber(r.slot), by = by, reason = reason })
if agentId == '' then return { 'gone' } end
if redis.call('EXISTS', keys.queue(prefix, r.queue)) == 0 then return { 'noqueue' } end

local callKey = keys.call(prefix, callId)
local seq = redis.call('INCR', keys.seq(prefix))
redis.call('HSET', callKey, 'id', callId, 'queue', r.queue, 'state', 'waiting', 'callerChannel', r.callerChannel,
  'callerNumber', r.callerNumber, 'callerName', r.callerName, 'priority', r.priority, 'joinedAt', r.joinedAt,
  'agentId', '', 'agentChannel', '', 'bridgeId', '', 'answeredAt', 0, 'node', r.node, 'score', r.score,
  'version', 0, 'ringStartedAt', 0, 'joinSeq', seq, 'skills', r.skills)
local waitingKey = keys.queueWaiting(prefix, r.queue)
addWaiting(waitingKey, callId, r.score, r.skills)
redis.call('SADD', keys.calls(prefix), callId)
countCall(prefix, r.queue, callId, r.joinedAt) -- the read endpoints' per-queue index (queueCounts.lua)
redis.call('HSET', KEYS[2], r.callerChannel, callId)
emit(KEYS[3], { type = 'QueueCallerJoin', ts = now, callId = callId, queue = r.queue,
  position = redis.call('ZRANK', waitingKey, callId) + 1, callerNumber = r.callerNumber,
  callerName = r.callerName, priority = tonumber(r.priority), resumed = true })
if status ~= 'ready' then return { 'queue', r.queue } end
local a = reserve(prefix, KEYS[2], KEYS[3], callId, agentId, agentChannel, now)
return { 'agent', unpack(a) }
