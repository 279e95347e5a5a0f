--[[
  Deletes an agent definition. Refused unless the agent is logged out (a logged-in agent may be
  on a call or about to be offered one): log it out first.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] agent memberships   acd:{t}:agent:<id>:queues
  KEYS[3] agent id set        acd:{t}:agents

  ARGV[1] key prefix acd:{t}:
  ARGV[2] agent id

  Returns 1.
  Errors  "ACD agent_not_found -", "ACD invalid_state <status>".
]]
--- @include "keys"
--- @include "fail"
--- @include "membership"

local prefix, agentId = ARGV[1], ARGV[2]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return fail('agent_not_found', '-') end
if status ~= 'logged_out' then return fail('invalid_state', status) end
for _, queue in ipairs(redis.call('HKEYS', KEYS[2])) do leaveQueue(prefix, agentId, queue) end
for _, queue in ipairs(redis.call('SMEMBERS', keys.queues(prefix))) do
  redis.call('HDEL', keys.queuePaused(prefix, queue), agentId)
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[1] .. ':routing')
redis.call('SREM', KEYS[3], agentId)
return 1
