--[[
  Wrap-up timer fired: after_call_work → ready, only if the agent's version is still the one the
  timer was scheduled with (a stale or repeated timer does nothing).

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (idle sets of the agent's queues are built from it; same hash tag)
  ARGV[2] agent id
  ARGV[3] version

  Returns 1 when the agent became ready, 0 otherwise.
]]
--- @include "nowMs"
--- @include "agentStatus"

local agent = redis.call('HMGET', KEYS[1], 'status', 'version')
if agent[1] ~= 'after_call_work' or agent[2] ~= ARGV[3] then return 0 end
setAgentStatus(ARGV[1], KEYS[2], ARGV[2], 'ready', '', '', 'system', nowMs())
return 1
