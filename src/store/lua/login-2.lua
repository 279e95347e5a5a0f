--[[
  Agent login: logged_out → not_ready (or ready).

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (idle sets of the agent's queues are built from it; same hash tag)
  ARGV[2] agent id
  ARGV[3] endpoint, '' = the agent's default endpoint
  ARGV[4] '1' = log in ready, '0' = not_ready
  ARGV[5] by (recorded in the AgentStatus event)
  ARGV[6] statuses login is accepted in, comma-separated (from the domain rules)

  Returns {agent HGETALL, memberships HGETALL}.
  Errors  "ACD agent_not_found -", "ACD invalid_state <current status>",
          "ACD validation no_endpoint" (no endpoint given and no default).
]]
--- @include "nowMs"
--- @include "fail"
--- @include "agentStatus"
--- @include "agentReply"

local prefix, agentId = ARGV[1], ARGV[2]
local agent = redis.call('HMGET', KEYS[1], 'status', 'defaultEndpoint')
if not agent[1] then return fail('agent_not_found', '-') end
if not oneOf(agent[1], ARGV[6]) then return fail('invalid_state', agent[1]) end
local endpoint = ARGV[3]
if endpoint == '' then endpoint = agent[2] or '' end
if endpoint == '' then return fail('validation', 'no_endpoint') end

redis.call('HSET', KEYS[1], 'endpoint', endpoint)
local status = 'not_ready'
if ARGV[4] == '1' then status = 'ready' end
setAgentStatus(prefix, KEYS[2], agentId, status, '', '', ARGV[5], nowMs())
return agentReply(KEYS[1])
