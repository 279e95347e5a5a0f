--[[
  The offered agent answered: call offering → connected, agent → busy, AgentConnect.
  Fenced by the agent channel; a replay (already connected on this agent channel) returns 1
  without a second event.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (the agent hash and its idle sets are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id
  ARGV[4] bridge id

  Returns 1 when the call is connected on this agent channel, 0 when the fence does not match.
]]
--- @include "nowMs"
--- @include "emit"
--- @include "agentStatus"

local prefix, callId = ARGV[1], ARGV[2]
local call = redis.call('HMGET', KEYS[1], 'state', 'agentChannel', 'agentId', 'queue', 'joinedAt', 'ringStartedAt')
if call[2] ~= ARGV[3] then return 0 end
if call[1] == 'connected' then return 1 end
if call[1] ~= 'offering' then return 0 end
local agentId = call[3]
local now = nowMs()

redis.call('HSET', KEYS[1], 'state', 'connected', 'bridgeId', ARGV[4], 'answeredAt', now)
redis.call('HINCRBY', KEYS[1], 'version', 1)
emit(KEYS[2], { type = 'AgentConnect', ts = now, callId = callId, queue = call[4], agentId = agentId,
  waitMs = now - tonumber(call[5]), ringMs = now - tonumber(call[6]), bridgeId = ARGV[4] })
moveCallAgent(prefix, KEYS[2], agentId, callId, 'busy', '', now)
return 1
