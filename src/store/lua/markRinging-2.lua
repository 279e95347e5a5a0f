--[[
  The dial request for the offer went out: agent reserved → ringing. Fenced by the agent channel;
  a replay (agent already ringing for this offer) returns 1 without a second event.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (the agent hash is built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id

  Returns 1 when the agent is ringing for this offer, 0 when the fence does not match.
]]
--- @include "nowMs"
--- @include "agentStatus"

local call = redis.call('HMGET', KEYS[1], 'state', 'agentChannel', 'agentId')
if call[1] ~= 'offering' or call[2] ~= ARGV[3] then return 0 end
local agent = redis.call('HMGET', ARGV[1] .. 'agent:' .. call[3], 'status', 'call')
if agent[2] ~= ARGV[2] then return 0 end
if agent[1] == 'ringing' then return 1 end
if agent[1] ~= 'reserved' then return 0 end
local now = nowMs()
redis.call('HSET', KEYS[1], 'ringStartedAt', now)
redis.call('HINCRBY', KEYS[1], 'version', 1)
setAgentStatus(ARGV[1], KEYS[2], call[3], 'ringing', '', ARGV[2], 'system', now)
return 1
