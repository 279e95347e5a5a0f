--[[
  Callback (virtual hold): a waiting caller asks to be called back and hangs up its line but keeps
  its place. The call stays waiting in its zset with no caller channel (callerChannel = ''), the
  number to call back in cbNumber; the caller's channel leaves the channel index.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] call id
  ARGV[2] caller channel id (fence: the call is waiting on this channel)
  ARGV[3] number to call back

  Returns 1, or 0 when the fence does not match (nothing changed).
]]
--- @include "nowMs"
--- @include "emit"

local call = redis.call('HMGET', KEYS[1], 'state', 'callerChannel', 'queue')
if call[1] ~= 'waiting' or call[2] ~= ARGV[2] or ARGV[3] == '' then return 0 end
redis.call('HSET', KEYS[1], 'callerChannel', '', 'cbNumber', ARGV[3], 'cbAttempt', 0, 'cbChannel', '')
redis.call('HDEL', KEYS[2], ARGV[2])
emit(KEYS[3], { type = 'QueueCallback', ts = nowMs(), callId = ARGV[1], queue = call[3], action = 'requested',
  number = ARGV[3], attempt = 0 })
return 1
