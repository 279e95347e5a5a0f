-- Per-queue member counters (hash acd:{t}:queue:<id>:counts): `staffed` = members logged in and
-- not in not_ready (serving, or about to), `ready` = members in ready (back-offs included).
-- Kept by every script that changes a member's status or a queue's membership, so the estimated
-- wait (queueRules.lua) and the read endpoints cost O(1) per queue instead of O(members).
-- Members paused in the queue are not members (membership.lua): they count in neither.

local STAFFED = { ready = true, reserved = true, ringing = true, busy = true, after_call_work = true }

local function queueCountsKey(prefix, queue)
  return prefix .. 'queue:' .. queue .. ':counts'
end

-- Adds (sign 1) or takes away (sign -1) what one member in `status` counts for in `queue`.
local function countMember(prefix, queue, status, sign)
  if not status or not STAFFED[status] then return end
  local key = queueCountsKey(prefix, queue)
  redis.call('HINCRBY', key, 'staffed', sign)
  if status == 'ready' then redis.call('HINCRBY', key, 'ready', sign) end
end

-- A member of every queue in `queues` moves from `previous` to `status`.
local function recountStatus(prefix, queues, previous, status)
  if previous == status then return end
  for _, queue in ipairs(queues) do
    countMember(prefix, queue, previous, -1)
    countMember(prefix, queue, status, 1)
  end
end

-- Counts a queue's members from scratch (configuration time: repairs counters written before
-- they existed). Cost: the queue's members.
local function recountQueue(prefix, queue)
  local key = queueCountsKey(prefix, queue)
  redis.call('DEL', key)
  for _, agentId in ipairs(redis.call('HKEYS', prefix .. 'queue:' .. queue .. ':members')) do
    countMember(prefix, queue, redis.call('HGET', prefix .. 'agent:' .. agentId, 'status'), 1)
  end
end

-- The counters of the queue whose hash is `queueKey`: staffed, ready.
local function queueCounts(queueKey)
  local c = redis.call('HMGET', queueKey .. ':counts', 'staffed', 'ready')
  return tonumber(c[1] or '') or 0, tonumber(c[2] or '') or 0
end
