--[[
  A control call changes state (dialing → ringing → connected...): its record is updated and a
  CallControl event reports it. Nothing happens when the call already ended.

  KEYS[1] control call hash   acd:{t}:cc:<id>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] JSON object of fields to set
  ARGV[2] event detail ('' = no event)

  Returns 1 when applied, 0 when the control call is unknown.
]]
--- @include "nowMs"
--- @include "emit"

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for field, value in pairs(cjson.decode(ARGV[1])) do redis.call('HSET', KEYS[1], field, tostring(value)) end
if ARGV[2] ~= '' then
  local r = redis.call('HMGET', KEYS[1], 'id', 'agentId', 'kind')
  emit(KEYS[2], { type = 'CallControl', ts = nowMs(), callId = r[1], agentId = r[2], action = r[3] or '', detail = ARGV[2], by = 'system' })
end
return 1
