--[[
  Read only: where a caller stands in a queue and how long it should still wait (announcements,
  the API). O(1) for a caller without skill requirements (the queue's counters); per skill set
  O(members), so that runs at announcement time only. Per skill set: a caller with skill requirements (call field `skills`, routing's requirement
  text) is estimated among the callers ahead with the same requirements, served by the staffed
  members whose skill profile satisfies them at the caller's current relaxation step.

  KEYS[1] queue hash          acd:{t}:queue:<queue>

  ARGV[1] key prefix acd:{t}:
  ARGV[2] call id; '' = a caller who would join now (position = waiting + 1)

  Returns {position (0 = the call is not waiting in this queue), ewtMs, ahtMs (-1 = no completed call yet),
           waiting (callers in the zset), completed (calls counted in the average)}.
]]
--- @include "keys"
--- @include "nowMs"
--- @include "queueRules"
--- @include "route"

local prefix, callId = ARGV[1], ARGV[2]
local now = nowMs()
local waitingKey = KEYS[1] .. ':waiting'
local waiting = redis.call('ZCARD', waitingKey)
local position = waiting + 1
local ewt = 0
if callId ~= '' then
  local rank = redis.call('ZRANK', waitingKey, callId)
  position = rank and rank + 1 or 0
end
if position > 0 then
  local sig = callId ~= '' and redis.call('HGET', keys.call(prefix, callId), 'skills') or ''
  local accepts, ahead = nil, position
  if sig ~= '' then
    local needs = callerNeeds(prefix, routingParams(prefix, redis.call('HGET', KEYS[1], 'id')), callId, sig, now)
    accepts = function(_, agentKey)
      return matchQuality(parseSkills(redis.call('HGET', agentKey, 'profile') or ''), needs.need, needs.relax) ~= nil
    end
    ahead = (redis.call('ZRANK', waitingKey .. ':sig:' .. sig, callId) or (position - 1)) + 1
  end
  ewt = estimateWaitMs(prefix, KEYS[1], ahead, queueDef(KEYS[1]), now, accepts)
end
local stats = redis.call('HMGET', KEYS[1] .. ':stats', 'ahtMs', 'completed')
return { position, ewt, tonumber(stats[1] or '') or -1, waiting, tonumber(stats[2] or '') or 0 }
