--[[
  Callback retry delay over: a parked callback call (waiting, out of the zset after a failed try)
  takes its old place in the waiting zset again. Fenced by the attempt that failed.

  KEYS[1] call hash           acd:{t}:call:<callId>

  ARGV[1] key prefix acd:{t}:
  ARGV[2] call id
  ARGV[3] attempt the retry is for

  Returns the queue id, or '' when the fence does not match.
]]
--- @include "keys"
--- @include "waiting"
local call = redis.call('HMGET', KEYS[1], 'state', 'callerChannel', 'cbAttempt', 'queue', 'score', 'cbNumber', 'skills')
if call[1] ~= 'waiting' or call[2] ~= '' or call[3] ~= ARGV[3] or not call[6] or call[6] == '' then return '' end
local waitingKey = keys.queueWaiting(ARGV[1], call[4])
if redis.call('ZSCORE', waitingKey, ARGV[2]) then return '' end
addWaiting(waitingKey, ARGV[2], call[5], call[7] or '')
return call[4]
