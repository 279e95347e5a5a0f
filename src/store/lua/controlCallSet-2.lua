--[[
  A control call changes state (dialing → ringing → connected...): its record is updated and a
  CallControl event reports it. Nothing happens when the call already ended.

  KEYS[1] control call hash   acd:{t}:cc:<id>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] JSON object of fields to set
  ARGV[2] JSON object of the event's step fields ({step, answeredBy?, digits?, direction?,
          dialStatus?}: ControlCallStep in src/domain/events.ts; '' = no event)

  Returns 1 when applied, 0 when the control call is unknown.
]]
--- @include "nowMs"
--- @include "emit"

if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for field, value in pairs(cjson.decode(ARGV[1])) do redis.call('HSET', KEYS[1], field, tostring(value)) end
if ARGV[2] ~= '' then
  local r = redis.call('HMGET', KEYS[1], 'id', 'agentId', 'kind')
  local event = cjson.decode(ARGV[2])
  event.type, event.ts, event.callId, event.agentId, event.action, event.by = 'CallControl', nowMs(), r[1], r[2], r[3] or '', 'system'
  emit(KEYS[2], event)
end
return 1
