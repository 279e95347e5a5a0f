--[[
  An offer failed (no answer, busy, unreachable, rejected). Fenced by the agent channel (one of
  the call's offers). The offer ends; when it was the call's last one the caller goes back to
  waiting with its saved score (same place in the queue). The agent is freed per the queue's
  rules:
    noanswer   consecutive RONAs + 1; at maxNoAnswer (default 1) → not_ready with the RONA
               reason, else ready after the retryS back-off
    busy       ready after busyRetryS (else retryS) back-off
    rejected   ready after rejectRetryS (else retryS) back-off
    other      ready after retryS back-off
  A back-off keeps the agent ready but out of the routing pools until it ends (see startBackoff).

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (waiting zset, offers, the agent and the queue are built from it)
  ARGV[2] call id
  ARGV[3] agent channel id
  ARGV[4] outcome: noanswer | busy | unavailable | rejected | failed
  ARGV[5] reason code for no answer (RONA)
  ARGV[6] back-off in ms when the queue sets none (engine default)

  Returns {1, agentId, backoffMs, offersLeft}, or {0} when the fence does not match (nothing changed).
]]
--- @include "keys"
--- @include "nowMs"
--- @include "emit"
--- @include "agentStatus"
--- @include "waiting"

local prefix, callId, agentChannel, outcome = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local offersKey = KEYS[1] .. ':offers'
local call = redis.call('HMGET', KEYS[1], 'state', 'agentChannel', 'queue', 'score', 'ringStartedAt', 'skills')
if call[1] ~= 'offering' then return { 0 } end
local agentId = redis.call('HGET', offersKey, agentChannel)
if not agentId then return { 0 } end
local queue = call[3]
local now = nowMs()

redis.call('HDEL', offersKey, agentChannel)
redis.call('HDEL', KEYS[2], agentChannel)
local left = redis.call('HLEN', offersKey)
if left == 0 then
  redis.call('HSET', KEYS[1], 'state', 'waiting', 'agentId', '', 'agentChannel', '', 'ringStartedAt', 0)
  addWaiting(keys.queueWaiting(prefix, queue), callId, call[4], call[6] or '')
elseif call[2] == agentChannel then
  local other = redis.call('HKEYS', offersKey)[1]
  redis.call('HSET', KEYS[1], 'agentChannel', other, 'agentId', redis.call('HGET', offersKey, other))
end
redis.call('HINCRBY', KEYS[1], 'version', 1)
emit(KEYS[3], { type = 'AgentRingNoAnswer', ts = now, callId = callId, queue = queue, agentId = agentId,
  ringMs = now - tonumber(call[5]), cause = outcome })

local agentKey = keys.agent(prefix, agentId)
if redis.call('HGET', agentKey, 'call') ~= callId then return { 1, agentId, 0, left } end
local q = redis.call('HMGET', keys.queue(prefix, queue), 'maxNoAnswer', 'retryMs', 'busyRetryMs', 'rejectRetryMs')
local backoff = tonumber(q[2] or '') or tonumber(ARGV[6])
if outcome == 'noanswer' then
  local misses = redis.call('HINCRBY', agentKey, 'ronaCount', 1)
  if misses >= (tonumber(q[1] or '') or 1) then
    redis.call('HSET', agentKey, 'ronaCount', 0)
    moveCallAgent(prefix, KEYS[3], agentId, callId, 'not_ready', ARGV[5], now)
    return { 1, agentId, 0, left }
  end
elseif outcome == 'busy' then
  backoff = tonumber(q[3] or '') or backoff
elseif outcome == 'rejected' then
  backoff = tonumber(q[4] or '') or backoff
end
local _, applied = moveCallAgent(prefix, KEYS[3], agentId, callId, 'ready', '', now)
-- A status the agent asked for during the offer (agentStatus.lua) replaces ready: no back-off.
if applied ~= 'ready' then backoff = 0 end
if backoff > 0 then startBackoff(prefix, agentId, now + backoff) end
return { 1, agentId, backoff, left }
