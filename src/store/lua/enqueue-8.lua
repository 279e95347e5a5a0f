--[[
  A caller joins a queue. Idempotent by call id: a known call returns its current position and
  no second QueueCallerJoin. Optionally records the caller's entry in progress in the same step
  (src/acd/callerEntry.ts: recorded before the engine's first PBX request that changes anything).

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] queue hash          acd:{t}:queue:<queue>
  KEYS[3] waiting zset        acd:{t}:queue:<queue>:waiting
  KEYS[4] arrival counter     acd:{t}:seq
  KEYS[5] active call set     acd:{t}:calls
  KEYS[6] channel index       acd:{t}:chan
  KEYS[7] event stream        acd:{t}:events
  KEYS[8] entries in progress acd:{t}:entries:<node>

  ARGV[1] call id
  ARGV[2] queue
  ARGV[3] caller channel id
  ARGV[4] caller number
  ARGV[5] caller name
  ARGV[6] priority (higher first; clamped to 0..999)
  ARGV[7] node
  ARGV[8] skill requirements `billing:2+english:3` (names sorted; '' or absent = none; routing)
  ARGV[9] JSON object of call variables for the agent's desktop ('' or absent = none; CTI call.offered)
  ARGV[10] '1': record the caller's entry (field caller channel in KEYS[8]), whatever the outcome
  ARGV[11] agent channel id: once the call is created, the queue's routing decision runs in the
           same step (routeQueue.lua, as assignByQueue), saving the engine a round trip; '' = not

  Returns {position (1-based; 0 when the call is no longer waiting), created (1|0), refusal,
  joinSeq, entryKnown}: the stay's joinSeq once created ({position, 1, '', joinSeq, e}), else '';
  refusal 'FULL' | 'JOINEMPTY' when the queue's rules refuse a new caller ({0, 0, refusal, '', e},
  nothing written but the entry), else ''; entryKnown 1 when ARGV[10] asked and the entry was
  recorded already (an entry being replayed), else 0. With ARGV[11] and the call created, a sixth
  element: the routing decision's reply (routeQueue.lua).
  Caller experience (src/acd/callerExperience*): the queue's `def` JSON gives maxLen and
  joinEmpty; a caller whose number hung up within the queue's resumeWindowS gets its old score
  back (KEYS[2]:resume:<number>, written by endCall); QueueCallerJoin carries ewtMs; the call
  hash gets joinSeq (fences the caller-experience timers of this stay in this queue).
  Errors  "ACD queue_not_found -".
]]
--- @include "nowMs"
--- @include "emit"
--- @include "fail"
--- @include "queueRules"
--- @include "waiting"
--- @include "routeQueue"

local entryKnown = 0
if ARGV[10] == '1' then entryKnown = 1 - redis.call('HSETNX', KEYS[8], ARGV[3], tostring(nowMs())) end
local function answer(position, created, refusal, seq)
  return { position, created, refusal or '', seq or '', entryKnown }
end

local callId = ARGV[1]
if redis.call('EXISTS', KEYS[1]) == 1 then
  local rank = redis.call('ZRANK', KEYS[3], callId)
  if rank then return answer(rank + 1, 0) end
  return answer(0, 0)
end
if redis.call('EXISTS', KEYS[2]) == 0 then return fail('queue_not_found', '-') end
local prefix = string.sub(KEYS[4], 1, -4) -- KEYS[4] is <prefix>seq
local def = queueDef(KEYS[2])
local refusal = joinRefusal(prefix, KEYS[2], KEYS[3], def)
if refusal then return answer(0, 0, refusal) end

local now = nowMs()
local priority = math.max(0, math.min(999, math.floor(tonumber(ARGV[6]) or 0)))
local seq = redis.call('INCR', KEYS[4])
-- Priority band then arrival order; < 2^53, and formatted by hand because Lua's default
-- number-to-string conversion keeps only 14 digits.
local score = string.format('%.0f', (1000 - priority) * 1099511627776 + seq)
local resumed = false
if ARGV[4] ~= '' then
  local saved = redis.call('GET', KEYS[2] .. ':resume:' .. ARGV[4])
  if saved then
    score, resumed = saved, true
    redis.call('DEL', KEYS[2] .. ':resume:' .. ARGV[4])
  end
end

local fields = { 'id', callId, 'queue', ARGV[2], 'state', 'waiting', 'callerChannel', ARGV[3],
  'callerNumber', ARGV[4], 'callerName', ARGV[5], 'priority', priority, 'joinedAt', now, 'agentId', '',
  'agentChannel', '', 'bridgeId', '', 'answeredAt', 0, 'node', ARGV[7], 'score', score, 'version', 0,
  'ringStartedAt', 0, 'joinSeq', seq, 'skills', ARGV[8] or '' }
if ARGV[9] and ARGV[9] ~= '' then
  fields[#fields + 1] = 'variables'
  fields[#fields + 1] = ARGV[9]
end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('ZADD', KEYS[3], score, callId)
indexWaiting(KEYS[3], callId, score, ARGV[8] or '') -- routing index by requirements (waiting.lua)
redis.call('SADD', KEYS[5], callId)
countCall(prefix, ARGV[2], callId, now) -- the read endpoints' per-queue index (queueCounts.lua)
redis.call('HSET', KEYS[6], ARGV[3], callId)
local position = redis.call('ZRANK', KEYS[3], callId) + 1
emit(KEYS[7], { type = 'QueueCallerJoin', ts = now, callId = callId, queue = ARGV[2], position = position,
  callerNumber = ARGV[4], callerName = ARGV[5], priority = priority,
  ewtMs = estimateWaitMs(prefix, KEYS[2], position, def, now), resumed = resumed })
local reply = answer(position, 1, nil, seq)
if (ARGV[11] or '') ~= '' then reply[6] = routeQueue(prefix, ARGV[2], ARGV[11], KEYS[3], KEYS[6], KEYS[7], now, { callId, now }) end
return reply
