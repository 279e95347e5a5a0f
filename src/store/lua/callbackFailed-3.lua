--[[
  Callback: the customer did not answer (busy, no answer, unreachable, hung up first). The agent
  is freed to ready and its leg leaves the channel index. Below `maxAttempts` tries the call goes
  back to waiting but parked (out of the waiting zset) until the retry timer runs
  callbackRequeue; at `maxAttempts` it leaves with QueueCallerLeave {reason = CALLBACKFAILED}.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (agent keys and the active call set are built from it)
  ARGV[2] call id
  ARGV[3] customer leg channel id (fence: the leg being dialed for this offering call)
  ARGV[4] max attempts

  Returns {1, 'retry' | 'gaveup', agentId, agentChannel, attempt}, or {0} when the fence does not match.
]]
--- @include "keys"
--- @include "nowMs"
--- @include "emit"
--- @include "agentStatus"
--- @include "offers"

local prefix, callId = ARGV[1], ARGV[2]
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return { 0 } end
local call = {}
for i = 1, #flat, 2 do call[flat[i]] = flat[i + 1] end
if call.state ~= 'offering' or call.cbChannel ~= ARGV[3] or call.callerChannel ~= '' then return { 0 } end
local now = nowMs()
local attempt = tonumber(call.cbAttempt)
redis.call('HDEL', KEYS[2], call.agentChannel, call.cbChannel)
moveCallAgent(prefix, KEYS[3], call.agentId, callId, 'ready', '', now)
releaseOffers(prefix, KEYS[2], KEYS[3], callId, '', now)
local outcome = 'retry'
if attempt >= tonumber(ARGV[4]) then outcome = 'gaveup' end
emit(KEYS[3], { type = 'QueueCallback', ts = now, callId = callId, queue = call.queue, action = outcome,
  number = call.cbNumber, attempt = attempt, agentId = call.agentId })
if outcome == 'gaveup' then
  emit(KEYS[3], { type = 'QueueCallerLeave', ts = now, callId = callId, queue = call.queue, reason = 'CALLBACKFAILED',
    waitMs = now - tonumber(call.joinedAt) })
  redis.call('SREM', keys.calls(prefix), callId)
  uncountCall(prefix, call.queue, callId) -- the read endpoints' per-queue index (queueCounts.lua)
  redis.call('DEL', KEYS[1])
  redis.call('DEL', keys.ctl(prefix, callId))
else
  redis.call('HSET', KEYS[1], 'state', 'waiting', 'agentId', '', 'agentChannel', '', 'cbChannel', '', 'ringStartedAt', 0)
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
return { 1, outcome, call.agentId, call.agentChannel, attempt }
