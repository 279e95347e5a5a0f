--[[
  An offered agent answered: call offering → connected on that agent leg, agent → busy,
  AgentConnect. Every other offer of the call (ringall, ring-progressively) ends: its agent is
  ready again and its channel leaves the index; the engine hangs those legs up.
  Fenced by the agent channel; a replay (already connected on this channel) changes nothing.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (offers, agent hash and its idle sets are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id
  ARGV[4] bridge id
  ARGV[5] '1': refuse a call without a caller channel (its caller left for a callback) with {2},
          changing nothing, so that the callback feature may take it over (src/acd/bridging.ts)

  Returns {1, call hash as a flat field/value list, releasedChannel...} when the call is connected
  on this agent channel (the engine bridges from it without reading the call), {0} when the fence
  does not match, {2} when refused for having no caller.
]]
--- @include "keys"
--- @include "nowMs"
--- @include "emit"
--- @include "agentStatus"
--- @include "offers"

local prefix, callId, agentChannel = ARGV[1], ARGV[2], ARGV[3]
local call = redis.call('HMGET', KEYS[1], 'state', 'agentChannel', 'queue', 'joinedAt', 'ringStartedAt', 'callerChannel',
  'version')
if call[1] == 'connected' and call[2] == agentChannel then return { 1, redis.call('HGETALL', KEYS[1]) } end
if call[1] ~= 'offering' then return { 0 } end
local agentId = redis.call('HGET', KEYS[1] .. ':offers', agentChannel)
if not agentId then return { 0 } end
if ARGV[5] == '1' and call[6] == '' then return { 2 } end
local now = nowMs()

redis.call('HSET', KEYS[1], 'state', 'connected', 'agentId', agentId, 'agentChannel', agentChannel,
  'bridgeId', ARGV[4], 'answeredAt', now, 'version', (tonumber(call[7]) or 0) + 1)
emit(KEYS[3], { type = 'AgentConnect', ts = now, callId = callId, queue = call[3], agentId = agentId,
  waitMs = now - tonumber(call[4]), ringMs = now - tonumber(call[5]), bridgeId = ARGV[4] })
moveCallAgent(prefix, KEYS[3], agentId, callId, 'busy', '', now)
-- fewest-calls counts answered calls; an answer ends a run of unanswered offers (maxNoAnswer).
redis.call('HINCRBY', keys.agent(prefix, agentId), 'answered', 1)
redis.call('HSET', keys.agent(prefix, agentId), 'ronaCount', 0)
local reply = { 1, redis.call('HGETALL', KEYS[1]) }
for _, channel in ipairs(releaseOffers(prefix, KEYS[2], KEYS[3], callId, agentChannel, now)) do
  reply[#reply + 1] = channel
end
return reply
