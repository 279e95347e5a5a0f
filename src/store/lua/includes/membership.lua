--- @include "keys"
--- @include "pools"
--- @include "queueCounts"

-- Queue membership and its routing indexes (admin scripts). An agent serves a queue when it is
-- in the agent's memberships hash and the queue's members hash; a ready member is also in the
-- queue's idle set and, through the routing engineer's pools.lua (enterPools / leavePools), in
-- the queue's routing pool. A paused member (app_queue style) is out of all of them and kept in
-- the queue's paused hash instead, with its penalty and reason: routing and status changes
-- (which walk the memberships hash) never see it until it is unpaused.

-- Runs `change` (which edits memberships) with the agent out of its pools, then puts it back
-- into the pools of its memberships as they are now, the way upsertAgent does.
local function withPoolsRebuilt(prefix, agentId, change)
  local inPools = offerable(keys.agent(prefix, agentId))
  if inPools then leavePools(prefix, agentId) end
  change()
  if inPools then enterPools(prefix, agentId) end
end

local function joinQueue(prefix, agentId, queue, penalty)
  local agentKey = keys.agent(prefix, agentId)
  withPoolsRebuilt(prefix, agentId, function()
    if redis.call('HSET', agentKey .. ':queues', queue, penalty) == 1 then
      countAgent(prefix, queue, agentKey, 1)
    end
    redis.call('HSET', keys.queueMembers(prefix, queue), agentId, penalty)
    -- Strategy order / weight as upsertAgent defaults them (the agent's rank, weight 1).
    redis.call('HSETNX', agentKey .. ':routing', queue .. ':order', redis.call('HGET', agentKey, 'rank') or '0')
    redis.call('HSETNX', agentKey .. ':routing', queue .. ':weight', 1)
    local agent = redis.call('HMGET', agentKey, 'status', 'lastIdle')
    if agent[1] == 'ready' then
      redis.call('ZADD', keys.queueIdle(prefix, queue), 'NX', agent[2], agentId)
    end
  end)
end

-- Out of the queue's indexes; strategy order / weight are kept (a pause is undone with them).
local function leaveQueue(prefix, agentId, queue)
  withPoolsRebuilt(prefix, agentId, function()
    if redis.call('HDEL', keys.agentQueues(prefix, agentId), queue) == 1 then
      countAgent(prefix, queue, keys.agent(prefix, agentId), -1)
    end
    redis.call('HDEL', keys.queueMembers(prefix, queue), agentId)
    redis.call('ZREM', keys.queueIdle(prefix, queue), agentId)
  end)
end

-- Leaving for good: also forgets the agent's strategy order / weight in that queue.
local function removeFromQueue(prefix, agentId, queue)
  leaveQueue(prefix, agentId, queue)
  redis.call('HDEL', keys.agentRouting(prefix, agentId), queue .. ':order', queue .. ':weight')
end
