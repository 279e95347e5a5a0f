--[[
  A caller leaves its queue alive (max wait, leave-when-empty, exit key, withdraw, callback...):
    waiting   → out of the waiting zset
    offering  → the same, and every offered agent is freed to ready (the engine hangs up their legs)
    connected → nothing (the call is no longer in the queue)
  Then either the call moves to `overflow` (another queue: same score, so it keeps its priority and
  seniority; QueueCallerLeave then QueueCallerJoin; new joinSeq) or it is removed like endCall does
  (call hash, channel index entries, active-set entry) with QueueCallerLeave {reason}, leaving the
  marker `ended:<callerChannel>` = `left:<queue>:<reason>` as endCall-4.lua does.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] active call set     acd:{t}:calls
  KEYS[4] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (queue, waiting zset, agent keys are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] reason (the QUEUESTATUS word: TIMEOUT, LEAVEEMPTY, EXITWITHKEY, WITHDRAW...)
  ARGV[4] fence: the call's joinSeq the decision was made for; '' = any
  ARGV[5] '1' = only when the queue is empty by its leaveWhenEmpty rule
  ARGV[6] overflow queue id; '' = leave. An unknown overflow queue, or one that refuses the caller
          (FULL / JOINEMPTY), means leave.

  Returns {1, state, agentId, agentChannel, callerChannel, queue, movedTo ('' = left), releasedChannel...}
          (released: offered agent legs and a callback customer leg being dialed: the engine hangs them up) or
          {0, why} when nothing changed (why: gone | fence | connected | notempty).
]]
--- @include "keys"
--- @include "nowMs"
--- @include "emit"
--- @include "agentStatus"
--- @include "queueRules"
--- @include "offers"
--- @include "waiting"

local prefix, callId, reason, fence, onlyIfEmpty, overflow = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return { 0, 'gone' } end
local call = {}
for i = 1, #flat, 2 do call[flat[i]] = flat[i + 1] end
if fence ~= '' and call.joinSeq ~= fence then return { 0, 'fence' } end
if call.state == 'connected' then return { 0, 'connected' } end
local queueKey = keys.queue(prefix, call.queue)
if onlyIfEmpty == '1' and not queueIsEmpty(prefix, queueKey, queueDef(queueKey).leaveWhenEmpty) then
  return { 0, 'notempty' }
end

local now = nowMs()
removeWaiting(queueKey .. ':waiting', callId, call.skills or '')
if call.agentChannel ~= '' then redis.call('HDEL', KEYS[2], call.agentChannel) end
moveCallAgent(prefix, KEYS[4], call.agentId, callId, 'ready', '', now)
local released = releaseOffers(prefix, KEYS[2], KEYS[4], callId, '', now)
if call.cbChannel and call.cbChannel ~= '' then -- a callback customer leg being dialed (callbackDial)
  redis.call('HDEL', KEYS[2], call.cbChannel)
  released[#released + 1] = call.cbChannel
  redis.call('HSET', KEYS[1], 'cbChannel', '')
end
local function reply(movedTo)
  local r = { 1, call.state, call.agentId, call.agentChannel, call.callerChannel, call.queue, movedTo }
  for _, channel in ipairs(released) do r[#r + 1] = channel end
  return r
end
emit(KEYS[4], { type = 'QueueCallerLeave', ts = now, callId = callId, queue = call.queue, reason = reason,
  waitMs = now - tonumber(call.joinedAt) })

local targetKey = keys.queue(prefix, overflow)
if overflow ~= '' and redis.call('EXISTS', targetKey) == 1 then
  local def = queueDef(targetKey)
  local waitingKey = targetKey .. ':waiting'
  if not joinRefusal(prefix, targetKey, waitingKey, def) then
    local seq = redis.call('INCR', keys.seq(prefix))
    redis.call('HSET', KEYS[1], 'queue', overflow, 'state', 'waiting', 'agentId', '', 'agentChannel', '',
      'ringStartedAt', 0, 'joinedAt', now, 'joinSeq', seq)
    redis.call('HINCRBY', KEYS[1], 'version', 1)
    uncountCall(prefix, call.queue, callId)
    countCall(prefix, overflow, callId, now)
    addWaiting(waitingKey, callId, call.score, call.skills or '')
    local position = redis.call('ZRANK', waitingKey, callId) + 1
    emit(KEYS[4], { type = 'QueueCallerJoin', ts = now, callId = callId, queue = overflow, position = position,
      callerNumber = call.callerNumber, callerName = call.callerName, priority = tonumber(call.priority),
      ewtMs = estimateWaitMs(prefix, targetKey, position, def, now), resumed = false, from = call.queue })
    return reply(overflow)
  end
end

if call.callerChannel ~= '' then
  redis.call('HDEL', KEYS[2], call.callerChannel)
  -- Until the caller has left Stasis it is still in our app: the reconcile and the entry repair
  -- must finish this exit (continue with the status), not queue it again (as endCall-4.lua).
  redis.call('SET', keys.endedCaller(prefix, call.callerChannel), 'left:' .. call.queue .. ':' .. reason, 'PX', 3600000)
end
redis.call('SREM', KEYS[3], callId)
uncountCall(prefix, call.queue, callId) -- the read endpoints' per-queue index (queueCounts.lua)
redis.call('DEL', KEYS[1])
redis.call('DEL', keys.ctl(prefix, callId)) -- call-control state (src/store/controlOps.ts)
return reply('')
