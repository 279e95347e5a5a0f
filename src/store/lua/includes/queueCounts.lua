--- @include "keys"
-- Per-queue member counters (hash acd:{t}:queue:<id>:counts): how many members are in each
-- status but logged_out (field = status). Kept by every script that changes a member's status
-- or a queue's membership, so the estimated wait (queueRules.lua) and the read endpoints cost
-- O(1) per queue instead of O(members). Members paused in the queue are not members
-- (membership.lua): they count nowhere.
-- Beside them, for the read endpoints (src/store/countOps.ts, lua/queueLoad-1.lua):
--   acd:{t}:queue:<id>:reasons  hash 'r:<reason>' → members not ready with that reason, and
--                               'counted' once recountQueue built it (older data lacks it)
--   acd:{t}:queue:<id>:calls    zset call id → joinedAt: every call of the queue, any state
--   acd:{t}:agentCounts         hash status → agents in it (logged_out left out), 'counted' likewise

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

-- Adds or takes away one not-ready agent with `reason` in the hash `key` (field 'r:<reason>').
local function countReason(key, status, reason, sign)
  if status ~= 'not_ready' then return end
  local field = 'r:' .. (reason or '')
  if redis.call('HINCRBY', key, field, sign) <= 0 then redis.call('HDEL', key, field) end
end

-- One member, read from its agent hash, joins (sign 1) or leaves (sign -1) `queue`'s counters.
local function countAgent(prefix, queue, agentKey, sign)
  local agent = redis.call('HMGET', agentKey, 'status', 'reason')
  countMember(prefix, queue, agent[1], sign)
  countReason(keys.queueReasons(prefix, queue), agent[1], agent[2], sign)
end

-- A member of every queue in `queues` moves from `previous` to `status` (with their reasons);
-- the tenant-wide counters follow.
local function recountStatus(prefix, queues, previous, status, previousReason, reason)
  if previous == status and (status ~= 'not_ready' or previousReason == reason) then return end
  local tenantKey = keys.agentCounts(prefix)
  for _, queue in ipairs(queues) do
    countMember(prefix, queue, previous, -1)
    countMember(prefix, queue, status, 1)
    countReason(keys.queueReasons(prefix, queue), previous, previousReason, -1)
    countReason(keys.queueReasons(prefix, queue), status, reason, 1)
  end
  countReason(tenantKey, previous, previousReason, -1)
  countReason(tenantKey, status, reason, 1)
  if previous == status then return end
  if previous and previous ~= 'logged_out' then redis.call('HINCRBY', tenantKey, previous, -1) end
  if status ~= 'logged_out' then redis.call('HINCRBY', tenantKey, status, 1) end
end

-- The call index of the read endpoints: `callId` is (no longer) a call of `queue`.
local function countCall(prefix, queue, callId, joinedAt)
  redis.call('ZADD', keys.queueCallIndex(prefix, queue), joinedAt, callId)
end
local function uncountCall(prefix, queue, callId)
  redis.call('ZREM', keys.queueCallIndex(prefix, queue), callId)
end

-- Counts a queue's members and calls from scratch (configuration time, or the first read of a
-- queue whose counters predate them). Cost: the queue's members plus the tenant's calls.
local function recountQueue(prefix, queue)
  local reasonsKey, callsKey = keys.queueReasons(prefix, queue), keys.queueCallIndex(prefix, queue)
  redis.call('DEL', queueCountsKey(prefix, queue), reasonsKey, callsKey)
  for _, agentId in ipairs(redis.call('HKEYS', keys.queueMembers(prefix, queue))) do
    countAgent(prefix, queue, keys.agent(prefix, agentId), 1)
  end
  redis.call('HSET', reasonsKey, 'counted', 1)
  for _, callId in ipairs(redis.call('SMEMBERS', keys.calls(prefix))) do
    local call = redis.call('HMGET', keys.call(prefix, callId), 'queue', 'joinedAt')
    if call[1] == queue then countCall(prefix, queue, callId, call[2]) end
  end
end

-- Staffed and ready members of the queue whose hash is `queueKey`.
local function queueCounts(queueKey)
  local c = redis.call('HMGET', queueKey .. ':counts', unpack(STAFFED))
  local staffed = 0
  for i = 1, #STAFFED do staffed = staffed + (tonumber(c[i] or '') or 0) end
  return staffed, tonumber(c[1] or '') or 0
end
