--- @include "keys"
-- Per-queue member counters (hash acd:{t}:queue:<id>:counts): how many members are in each
-- status but logged_out (field = status). Kept by every script that changes a member's status
-- or a queue's membership, so the estimated wait (queueRules.lua) and the read endpoints cost
-- O(1) per queue instead of O(members). Members paused in the queue are not members
-- (membership.lua): they count nowhere.

-- Statuses in which a member serves the queue (or is about to): the estimate's "staffed".
local STAFFED = { 'ready', 'reserved', 'ringing', 'busy', 'after_call_work' }

local function queueCountsKey(prefix, queue)
  return keys.queueCounts(prefix, queue)
end

-- Adds (sign 1) or takes away (sign -1) one member in `status` from `queue`'s counters.
local function countMember(prefix, queue, status, sign)
  if not status or status == 'logged_out' then return end
  redis.call('HINCRBY', queueCountsKey(prefix, queue), status, sign)
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
  redis.call('DEL', queueCountsKey(prefix, queue))
  for _, agentId in ipairs(redis.call('HKEYS', keys.queueMembers(prefix, queue))) do
    countMember(prefix, queue, redis.call('HGET', keys.agent(prefix, agentId), 'status'), 1)
  end
end

-- Staffed and ready members of the queue whose hash is `queueKey`.
local function queueCounts(queueKey)
  local c = redis.call('HMGET', queueKey .. ':counts', unpack(STAFFED))
  local staffed = 0
  for i = 1, #STAFFED do staffed = staffed + (tonumber(c[i] or '') or 0) end
  return staffed, tonumber(c[1] or '') or 0
end
