--[[
  Read only: the call a channel belongs to (the channel index) with the call itself, in one round
  trip instead of two (a leg's StasisEnd, issue 12).

  KEYS[1] channel index       acd:{t}:chan

  ARGV[1] key prefix acd:{t}: (the call hash is built from it; same hash tag)
  ARGV[2] channel id

  Returns {callId, call HGETALL} ({} when the call hash is gone); nil when the channel is not indexed.
]]
--- @include "keys"

local callId = redis.call('HGET', KEYS[1], ARGV[2])
if not callId then return nil end
return { callId, redis.call('HGETALL', keys.call(ARGV[1], callId)) }
