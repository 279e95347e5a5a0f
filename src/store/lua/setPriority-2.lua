--[[
  Changes a caller's priority while it waits (or is being offered: the saved score changes, and
  a failed offer puts it back in the new band). Its arrival order is kept, so within the new
  band it stands where its arrival time puts it. Emits QueueCallerPriority when it changed.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (the waiting zset is built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] priority (higher first; 0..999, checked by the caller)

  Returns {priority, position (1-based, 0 when not waiting)}.
  Errors  "ACD call_not_found -", "ACD invalid_state <state>" (connected).
]]
--- @include "keys"
--- @include "nowMs"
--- @include "emit"
--- @include "fail"
--- @include "waiting"

local prefix, callId = ARGV[1], ARGV[2]
local priority = tonumber(ARGV[3])
local call = redis.call('HMGET', KEYS[1], 'state', 'queue', 'score', 'priority', 'skills')
if not call[1] then return fail('call_not_found', '-') end
if call[1] == 'connected' then return fail('invalid_state', call[1]) end
local waitingKey = keys.queueWaiting(prefix, call[2])
if tonumber(call[4]) ~= priority then
  -- Score = (1000 - priority) * 2^40 + arrival sequence (see enqueue-7.lua).
  local band = 1099511627776
  local seq = tonumber(call[3]) % band
  local score = string.format('%.0f', (1000 - priority) * band + seq)
  redis.call('HSET', KEYS[1], 'priority', priority, 'score', score)
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  if call[1] == 'waiting' then addWaiting(waitingKey, callId, score, call[5] or '') end
  emit(KEYS[2], { type = 'QueueCallerPriority', ts = nowMs(), callId = callId, queue = call[2], priority = priority,
    previous = tonumber(call[4]) })
end
local rank = redis.call('ZRANK', waitingKey, callId)
return { priority, rank and rank + 1 or 0 }
