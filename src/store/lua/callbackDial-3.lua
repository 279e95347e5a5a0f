--[[
  Callback: the agent answered an offered callback call; the engine now dials the customer on
  `cbChannel` (indexed in the channel index, so a restarted engine finds its call). Fenced: the
  call is an offering callback call (no caller channel) offered on this agent leg; a customer leg
  of an earlier, failed offer is replaced. The answering leg becomes the call's only offer
  (others, ringall, are released: agents ready, legs out of the index; the engine hangs them up).

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}:
  ARGV[2] call id
  ARGV[3] agent channel id
  ARGV[4] customer leg channel id

  Returns {attempt (1 = first try), releasedChannel...}, or {0} when the fence does not match.
]]
--- @include "nowMs"
--- @include "emit"
--- @include "offers"

local prefix, callId, agentChannel = ARGV[1], ARGV[2], ARGV[3]
local call = redis.call('HMGET', KEYS[1], 'state', 'cbNumber', 'callerChannel', 'cbChannel', 'queue')
if call[1] ~= 'offering' or not call[2] or call[2] == '' or call[3] ~= '' then return { 0 } end
if call[4] and call[4] ~= '' then redis.call('HDEL', KEYS[2], call[4]) end
local offersKey = KEYS[1] .. ':offers'
local agentId = redis.call('HGET', offersKey, agentChannel)
if not agentId then return { 0 } end
local now = nowMs()
local reply = { redis.call('HINCRBY', KEYS[1], 'cbAttempt', 1) }
for _, channel in ipairs(releaseOffers(prefix, KEYS[2], KEYS[3], callId, agentChannel, now)) do
  reply[#reply + 1] = channel
end
redis.call('HSET', offersKey, agentChannel, agentId)
redis.call('HSET', KEYS[1], 'cbChannel', ARGV[4], 'agentChannel', agentChannel, 'agentId', agentId)
redis.call('HSET', KEYS[2], ARGV[4], callId)
emit(KEYS[3], { type = 'QueueCallback', ts = now, callId = callId, queue = call[5], action = 'dialing',
  number = call[2], attempt = reply[1], agentId = agentId })
return reply
