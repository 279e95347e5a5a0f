--[[
  The call ended, whatever its state. Idempotent: an unknown (already ended) call returns nil.
    waiting    → QueueCallerAbandon (ended by the caller) or QueueCallerLeave (reason = endedBy)
    offering   → the same, and the offered agent is freed to ready
    connected  → AgentComplete; the agent's callsTaken++ and it enters after_call_work for the
                 agent's wrap-up override or else the queue's wrap-up seconds (ready at once when 0)
  The call hash, its channel index entries and its active-set entry are removed.
  Caller experience: a completed call updates the queue's moving average handle time (talk +
  wrap-up, KEYS-less <queue>:stats ahtMs, weight 1/4 like app_queue's holdtime) used for the
  estimated wait; an abandon keeps the caller's score for the queue's resumeWindowS under
  <queue>:resume:<caller number> so the same caller calling back gets its place back.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] active call set     acd:{t}:calls
  KEYS[4] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (the waiting zset, the queue, the agent and its idle sets are built
          from it; legal because every key of the tenant shares the {t} hash tag)
  ARGV[2] call id
  ARGV[3] ended by: caller | agent | lost
  ARGV[4] fence: an agent channel; when given, the call ends only while it is connected on it
          (the agent of a call transferred or handed over meanwhile ends nothing); '' = none

  Returns {state, call HGETALL, released, control HGETALL, nextCaller} or {state, call HGETALL,
  released, control HGETALL, nextCaller, agentId, version, wrapupS} when the agent entered
  after-call work (released: the offered agent channels besides the call's agent channel, which
  the engine hangs up; control: the call-control state deleted here, e.g. its recording;
  nextCaller: 1 when the call's agent is ready now and a caller waits in one of its queues, so
  the engine asks the router for its next call, else 0); nil when the call is unknown or the
  fence does not match.
]]
--- @include "keys"
--- @include "nowMs"
--- @include "emit"
--- @include "wrapUp"
--- @include "queueRules"
--- @include "offers"
--- @include "waiting"

local prefix, callId, endedBy = ARGV[1], ARGV[2], ARGV[3]
local ENDED_CALLER_TTL_MS = 3600000
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return nil end
local call = {}
for i = 1, #flat, 2 do call[flat[i]] = flat[i + 1] end
if (ARGV[4] or '') ~= '' and (call.state ~= 'connected' or call.agentChannel ~= ARGV[4]) then return nil end
local now = nowMs()
local control = redis.call('HGETALL', keys.ctl(prefix, callId))
local released = {}
local reply = { call.state, flat, released, control, 0 }
-- The status the call's agent was moved to here and its queues (nil when it had moved on): read
-- again only then.
local agentStatusNow, agentQueues

if call.state == 'connected' then
  local reasons = { caller = 'completecaller', agent = 'completeagent' }
  local answeredAt = tonumber(call.answeredAt)
  emit(KEYS[4], { type = 'AgentComplete', ts = now, callId = callId, queue = call.queue, agentId = call.agentId,
    talkMs = now - answeredAt, waitMs = answeredAt - tonumber(call.joinedAt), reason = reasons[endedBy] or endedBy })
  local version, timerS, applied, queues, wrapupS = endTalk(prefix, KEYS[4], call, callId, now)
  agentStatusNow, agentQueues = applied, queues
  -- A status the agent asked for during the call replaces the timed wrap-up (agentStatus.lua).
  if version and tonumber(timerS) > 0 then reply = { call.state, flat, released, control, 0, call.agentId, version, timerS } end
  local statsKey = keys.queueStats(prefix, call.queue)
  local handleMs = now - answeredAt + tonumber(wrapupS) * 1000
  local aht = tonumber(redis.call('HGET', statsKey, 'ahtMs') or '')
  if aht then handleMs = math.floor(aht + (handleMs - aht) / 4) end
  redis.call('HSET', statsKey, 'ahtMs', handleMs)
  redis.call('HINCRBY', statsKey, 'completed', 1)
else
  redis.call('ZREM', keys.queueWaiting(prefix, call.queue), callId)
  unindexWaiting(keys.queueWaiting(prefix, call.queue), callId, call.skills or '') -- routing index
  local waitMs = now - tonumber(call.joinedAt)
  if endedBy == 'caller' then
    emit(KEYS[4], { type = 'QueueCallerAbandon', ts = now, callId = callId, queue = call.queue, waitMs = waitMs,
      agentId = call.agentId })
    local window = tonumber(queueDef(keys.queue(prefix, call.queue)).resumeWindowS) or 0
    if window > 0 and call.callerNumber ~= '' then
      redis.call('SET', keys.queueResume(prefix, call.queue, call.callerNumber), call.score, 'PX', window * 1000)
    end
  else
    emit(KEYS[4], { type = 'QueueCallerLeave', ts = now, callId = callId, queue = call.queue, reason = endedBy,
      waitMs = waitMs })
  end
  local _, applied, queues = moveCallAgent(prefix, KEYS[4], call.agentId, callId, 'ready', '', now)
  agentStatusNow, agentQueues = applied, queues
  -- ringall / progressive offers (offers.lua); their legs are the engine's to hang up
  for _, channel in ipairs(releaseOffers(prefix, KEYS[2], KEYS[4], callId, '', now)) do
    if channel ~= call.agentChannel then released[#released + 1] = channel end
  end
end

-- A call without an agent leg has agentChannel '': no such field, nothing deleted for it.
redis.call('HDEL', KEYS[2], call.callerChannel, call.agentChannel)
redis.call('SREM', KEYS[3], callId)
uncountCall(prefix, call.queue, callId) -- the read endpoints' per-queue index (queueCounts.lua)
redis.call('DEL', KEYS[1], keys.ctl(prefix, callId)) -- and the call-control state (src/store/controlOps.ts)
-- The caller may still be in Stasis (we die before releasing it): reconcile must finish this end,
-- not queue it again as a new caller (src/acd/reconcile.ts). Kept long enough for a restart.
redis.call('SET', keys.endedCaller(prefix, call.callerChannel), endedBy .. ':' .. call.queue, 'PX', ENDED_CALLER_TTL_MS)
-- Only a ready agent with a caller waiting in one of its queues can be offered a call now; a
-- caller who joins later is routed by its own join, which finds the agent ready. So most call
-- ends under a light load cost no routing round trip (issue 12).
if call.agentId ~= '' and (agentStatusNow or redis.call('HGET', keys.agent(prefix, call.agentId), 'status')) == 'ready' then
  for _, queue in ipairs(agentQueues or redis.call('HKEYS', keys.agentQueues(prefix, call.agentId))) do
    if redis.call('ZCARD', keys.queueWaiting(prefix, queue)) > 0 then
      reply[5] = 1
      break
    end
  end
end
return reply
