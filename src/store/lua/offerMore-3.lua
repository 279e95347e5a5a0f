--[[
  ring-progressively: the step timer fired; one more agent rings for the call while the earlier
  ones keep ringing. Fenced by the call's offer round: a timer scheduled before any later offer,
  or for a call no longer being offered, does nothing.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (same hash tag)
  ARGV[2] call id
  ARGV[3] offer round the timer was scheduled for
  ARGV[4] agent channel id for the new offer

  Returns {0} when fenced out, else {round, [assignment]}: the call's offer round now (the next
  step timer carries it) and the new offer when an agent fits.
]]
--- @include "nowMs"
--- @include "route"
--- @include "reserve"

local prefix, callId = ARGV[1], ARGV[2]
local call = redis.call('HMGET', KEYS[1], 'state', 'round', 'queue', 'skills')
if call[1] ~= 'offering' or call[2] ~= ARGV[3] then return { 0 } end
local now = nowMs()
local params = routingParams(prefix, call[3])
local needs = callerNeeds(prefix, params, callId, call[4] or '', now)
local pools = matchingPools(prefix, call[3], needs)
local agents = {}
if #pools > 0 then agents = pickAgents(prefix, call[3], params.strategy, pools) end
if #agents == 0 then return { redis.call('HINCRBY', KEYS[1], 'round', 1) } end
local offer = reserve(prefix, KEYS[2], KEYS[3], callId, agents[1], ARGV[4], now, params)
return { offer[11], offer }
