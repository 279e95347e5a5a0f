--[[
  An agent starts a call the queue flow does not know (manual outbound, click-to-call, being
  consulted): the agent becomes busy on the control call `<id>` and the call's record is written.
  The agent stays busy until controlCallEnd; it cannot be offered queue calls meanwhile.

  KEYS[1] agent hash          acd:{t}:agent:<agentId> (unused when the agent id is '')
  KEYS[2] control call hash   acd:{t}:cc:<id>
  KEYS[3] control call set    acd:{t}:ccs
  KEYS[4] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (idle sets are built from it; same hash tag)
  ARGV[2] agent id
  ARGV[3] control call id
  ARGV[4] JSON object of record fields (kind, legs, destination, node...)
  ARGV[5] by
  ARGV[6] statuses the agent may be in, comma-separated

  Returns 1. Errors "ACD agent_not_found -", "ACD invalid_state <status>", "ACD conflict <id>".
]]
--- @include "nowMs"
--- @include "fail"
--- @include "emit"
--- @include "agentStatus"

local prefix, agentId, id = ARGV[1], ARGV[2], ARGV[3]
-- agent id '' = a call with no agent of ours on it (a consulted extension): no status change.
local status = ''
if agentId ~= '' then
  status = redis.call('HGET', KEYS[1], 'status')
  if not status then return fail('agent_not_found', '-') end
  if not oneOf(status, ARGV[6]) then return fail('invalid_state', status) end
end
if redis.call('EXISTS', KEYS[2]) == 1 then return fail('conflict', id) end

local now = nowMs()
redis.call('HSET', KEYS[2], 'id', id, 'agentId', agentId, 'state', 'dialing', 'startedAt', now, 'previous', status)
for field, value in pairs(cjson.decode(ARGV[4])) do redis.call('HSET', KEYS[2], field, tostring(value)) end
redis.call('SADD', KEYS[3], id)
if agentId ~= '' then setAgentStatus(prefix, KEYS[4], agentId, 'busy', '', id, ARGV[5], now) end
local kind = redis.call('HGET', KEYS[2], 'kind') or ''
emit(KEYS[4], { type = 'CallControl', ts = now, callId = id, agentId = agentId, action = kind, step = 'dialing', by = ARGV[5] })
return 1
