--[[
  The dial request for an offer went out: its agent reserved → ringing. Fenced by the agent
  channel (one of the call's offers); a replay (agent already ringing for this offer) returns 1
  without a second event.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (offers and the agent hash are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id

  Returns 1 when the agent is ringing for this offer, 0 when the fence does not match.
]]
--- @include "keys"
--- @include "nowMs"
--- @include "agentStatus"

local call = redis.call('HMGET', KEYS[1], 'state', 'agentChannel', 'version')
if call[1] ~= 'offering' then return 0 end
local agentId = redis.call('HGET', KEYS[1] .. ':offers', ARGV[3])
if not agentId then return 0 end
local agent = readAgent(keys.agent(ARGV[1], agentId))
if agent.call ~= ARGV[2] then return 0 end
if agent.status == 'ringing' then return 1 end
if agent.status ~= 'reserved' then return 0 end
local now = nowMs()
local fields = { 'version', (tonumber(call[3]) or 0) + 1 }
-- Ring time of the call (AgentConnect.ringMs) counts from its first offer ringing.
if call[2] == ARGV[3] then
  fields[3], fields[4] = 'ringStartedAt', now
end
redis.call('HSET', KEYS[1], unpack(fields))
setAgentStatus(ARGV[1], KEYS[2], agentId, 'ringing', '', ARGV[2], 'system', now, agent)
return 1
