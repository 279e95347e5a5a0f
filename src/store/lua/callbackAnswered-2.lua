--[[
  Callback: the customer answered. Its leg becomes the call's caller channel (indexed since dial), so
  from here on the call is an ordinary offering call: `connect` then bridges it with the agent.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan

  ARGV[1] customer leg channel id (fence: the call is offering and dialing this leg)
  ARGV[2] call id

  Returns 1, or 0 when the fence does not match.
]]
local call = redis.call('HMGET', KEYS[1], 'state', 'cbChannel', 'callerChannel')
if call[1] ~= 'offering' or call[2] ~= ARGV[1] or call[3] ~= '' then return 0 end
redis.call('HSET', KEYS[1], 'callerChannel', ARGV[1], 'cbChannel', '')
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) -- already there since callbackDial; a replay is harmless
return 1
