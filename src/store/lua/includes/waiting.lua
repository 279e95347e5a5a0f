--- @include "keys"
-- Caller-side routing index. Next to a queue's waiting zset (every waiting caller, queue order)
-- callers are grouped by their skill requirements (`billing:2+english:3`, '' = none):
--   <waiting>:sig:<requirements>   zset, same scores as the waiting zset
--   <waiting>:sigs                 set of the requirement texts that have waiting callers
-- so a routing decision reads one head per distinct requirement set, never every caller.
-- Scripts that put a caller in or take it out of a waiting zset use addWaiting / removeWaiting.

local function indexWaiting(waitingKey, callId, score, sig)
  redis.call('ZADD', waitingKey .. ':sig:' .. sig, score, callId)
  redis.call('SADD', waitingKey .. ':sigs', sig)
end

local function addWaiting(waitingKey, callId, score, sig)
  redis.call('ZADD', waitingKey, score, callId)
  indexWaiting(waitingKey, callId, score, sig)
end

local function unindexWaiting(waitingKey, callId, sig)
  local key = waitingKey .. ':sig:' .. sig
  if redis.call('ZREM', key, callId) == 1 and redis.call('ZCARD', key) == 0 then
    redis.call('SREM', waitingKey .. ':sigs', sig)
  end
end

local function removeWaiting(waitingKey, callId, sig)
  redis.call('ZREM', waitingKey, callId)
  unindexWaiting(waitingKey, callId, sig)
end

-- The heads of a queue's requirement groups, best (lowest score) first: {{callId, score, sig}...}.
-- Cost: the number of distinct requirement sets waiting. Repairs, as it meets them, entries a
-- script outside routing left behind (caller gone from the waiting zset, or head not indexed);
-- `indexed`: a caller this script has just indexed, which needs no repair.
local function waitingHeads(prefix, waitingKey, indexed)
  local top = redis.call('ZRANGE', waitingKey, 0, 0, 'WITHSCORES')
  if top[1] and top[1] ~= indexed then
    local sig = redis.call('HGET', keys.call(prefix, top[1]), 'skills') or ''
    indexWaiting(waitingKey, top[1], top[2], sig)
  end
  local heads = {}
  for _, sig in ipairs(redis.call('SMEMBERS', waitingKey .. ':sigs')) do
    local key = waitingKey .. ':sig:' .. sig
    for _ = 1, 32 do
      local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      if not head[1] then
        redis.call('SREM', waitingKey .. ':sigs', sig)
        break
      end
      if redis.call('ZSCORE', waitingKey, head[1]) then
        heads[#heads + 1] = { head[1], tonumber(head[2]), sig }
        break
      end
      unindexWaiting(waitingKey, head[1], sig)
    end
  end
  table.sort(heads, function(a, b) return a[2] < b[2] end)
  return heads
end
