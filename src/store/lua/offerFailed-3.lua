--[[
  The offer failed (no answer, busy, unreachable, rejected). Fenced by the agent channel: the
  caller goes back to waiting with its saved score (same place in the queue), the agent leg
  leaves the channel index, and the agent is freed: after no answer it goes not_ready with the
  RONA reason, otherwise ready again (idle since now).

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (the waiting zset, the agent and its idle sets are built from it;
          legal because every key of the tenant shares the {t} hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id
  ARGV[4] outcome: noanswer | busy | unavailable | rejected | failed
  ARGV[5] reason code for no answer (RONA)
  ARGV[6] back-off in ms before a ready-again agent is offered calls (busy/reject/unreachable):
          its idle score becomes now + back-off and `availableAt` holds the same moment; the
          assign scripts skip agents whose moment has not come

  Returns {1, agentId}, or {0} when the fence does not match (nothing changed).
]]
--- @include "nowMs"
--- @include "emit"
--- @include "agentStatus"

local prefix, callId, agentChannel, outcome = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local call = redis.call('HMGET', KEYS[1], 'state', 'agentChannel', 'agentId', 'queue', 'score', 'ringStartedAt')
if call[1] ~= 'offering' or call[2] ~= agentChannel then return { 0 } end
local agentId, queue = call[3], call[4]
local now = nowMs()

redis.call('HSET', KEYS[1], 'state', 'waiting', 'agentId', '', 'agentChannel', '', 'ringStartedAt', 0)
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('ZADD', prefix .. 'queue:' .. queue .. ':waiting', call[5], callId)
redis.call('HDEL', KEYS[2], agentChannel)
emit(KEYS[3], { type = 'AgentRingNoAnswer', ts = now, callId = callId, queue = queue, agentId = agentId,
  ringMs = now - tonumber(call[6]), cause = outcome })
if outcome == 'noanswer' then
  moveCallAgent(prefix, KEYS[3], agentId, callId, 'not_ready', ARGV[5], now)
elseif moveCallAgent(prefix, KEYS[3], agentId, callId, 'ready', '', now) then
  local availableAt = now + tonumber(ARGV[6])
  if availableAt > now then
    local agentKey = prefix .. 'agent:' .. agentId
    redis.call('HSET', agentKey, 'availableAt', availableAt)
    for _, q in ipairs(redis.call('HKEYS', agentKey .. ':queues')) do
      redis.call('ZADD', prefix .. 'queue:' .. q .. ':idle', 'XX', availableAt, agentId)
    end
  end
end
return { 1, agentId }
