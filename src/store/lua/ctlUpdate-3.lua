--[[
  Records a call-control change (hold, mute, supervisor monitor, recording...) on a connected
  call and appends its CallControl event in the same step. Fenced by the agent channel: a call
  that ended or moved on to another agent is left alone.

  KEYS[1] ctl hash            acd:{t}:ctl:<callId>   (removed by endCall / transferCall)
  KEYS[2] call hash           acd:{t}:call:<callId>
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] agent channel id (fence)
  ARGV[2] JSON object of fields to set; a field whose value is '' is deleted
  ARGV[3] JSON CallControl event without ts ('' = none)

  Returns 1 when applied, 0 when the fence does not match.
]]
--- @include "nowMs"
--- @include "emit"

local call = redis.call('HMGET', KEYS[2], 'state', 'agentChannel')
if call[1] ~= 'connected' or call[2] ~= ARGV[1] then return 0 end
for field, value in pairs(cjson.decode(ARGV[2])) do
  if value == '' then
    redis.call('HDEL', KEYS[1], field)
  else
    redis.call('HSET', KEYS[1], field, tostring(value))
  end
end
if ARGV[3] ~= '' then
  local event = cjson.decode(ARGV[3])
  event.ts = nowMs()
  emit(KEYS[3], event)
end
return 1
