--- @include "keys"
-- Routing pools: the indexes a routing decision reads instead of scanning members.
--
--   queue:<q>:pool:<penalty>:<profile>  zset of ready, offerable members of q with that penalty
--                                       and that skill profile (`billing:2+english:4`, '' = none);
--                                       score = the queue strategy's order (lowest first)
--   queue:<q>:pools                     zset of the non-empty pools' "<penalty>|<profile>",
--                                       score = penalty (lowest tier first)
--   queue:<q>:rr                        round-robin cursor: position of the last agent offered
--   queue:<q>:clock                     random strategies: key of the last agent picked
--
-- An agent is in its pools iff it is ready, a member, and not in a busy/reject back-off
-- (`availableAt` set) -- `offerable` -- and, per queue, the device rule allows it (`deviceAllows`:
-- a queue with ringInUse false skips an agent whose phone is in use outside the ACD; every queue
-- skips an agent on a talk whose record Redis lost).
-- Cost of entering / leaving = the number of the agent's queues.

local function poolsKey(prefix, queue)
  return keys.queuePools(prefix, queue)
end

local function poolKey(prefix, queue, member)
  local penalty, profile = string.match(member, '^(%d+)|(.*)$')
  return keys.queuePool(prefix, queue, penalty, profile)
end

-- Score of an agent in a queue's pool: the strategy's order, lowest offered first. Counters and
-- idle-since tie-break through a fraction (lastIdle / 1e13 < 1).
-- `lastIdle`: the agent's, when the caller knows it (a status change to ready just wrote it).
local function poolScore(prefix, queue, agentKey, lastIdle)
  local strategy = redis.call('HGET', keys.queue(prefix, queue), 'strategy')
  lastIdle = lastIdle or tonumber(redis.call('HGET', agentKey, 'lastIdle') or '0') or 0
  if strategy == 'linear' or strategy == 'round-robin' then
    return tonumber(redis.call('HGET', agentKey .. ':routing', queue .. ':order') or '0') or 0
  elseif strategy == 'fewest-calls' then
    return (tonumber(redis.call('HGET', agentKey, 'answered') or '0') or 0) + lastIdle / 1e13
  elseif strategy == 'least-talk-time' then
    return math.floor((tonumber(redis.call('HGET', agentKey, 'talkMs') or '0') or 0) / 1000) + lastIdle / 1e13
  elseif strategy == 'random' or strategy == 'weighted-random' then
    -- A race of exponential clocks: key = clock + Exp(weight); the smallest key wins with
    -- probability weight / total, and memorylessness keeps that true after every pick.
    local weight = 1
    if strategy == 'weighted-random' then
      weight = tonumber(redis.call('HGET', agentKey .. ':routing', queue .. ':weight') or '1') or 1
    end
    local clock = tonumber(redis.call('GET', keys.queueClock(prefix, queue)) or '0') or 0
    return clock - math.log(1 - math.random()) / weight
  end
  return lastIdle -- longest-idle, ringall, ring-progressively
end

local function poolMember(penalty, profile)
  return penalty .. '|' .. profile
end

-- Calls fn(queue, poolKey, poolMember, penalty) for the pool the agent belongs to in each of its queues.
-- `known`: what a status change read already (agentStatus.lua: profile, memberships as HGETALL
-- of the agent's queues, deviceInUse, lastIdle), so that it is not read twice (issue 12).
local function eachPool(prefix, agentId, fn, known)
  local agentKey = keys.agent(prefix, agentId)
  local profile, memberships
  if known then
    profile, memberships = known.profile or '', known.memberships
  else
    profile = redis.call('HGET', agentKey, 'profile') or ''
    memberships = redis.call('HGETALL', agentKey .. ':queues')
  end
  for i = 1, #memberships, 2 do
    local member = poolMember(memberships[i + 1], profile)
    fn(memberships[i], poolKey(prefix, memberships[i], member), member, memberships[i + 1])
  end
end

-- The device rule. app_queue ringinuse: false when the queue has `ringInUse` '0' (false; unset =
-- true) and the agent's phone is in use outside the ACD (`deviceInUse` '1', set by
-- setDeviceInUse-2.lua). False in every queue while the agent is on a talk whose record Redis lost
-- (`lostTalk`, set by setLostTalk-2.lua). Both passed when the caller read them, as HMGET gives
-- them (false when unset).
local function deviceAllows(prefix, queue, agentKey, deviceInUse, lostTalk)
  if deviceInUse == nil then deviceInUse, lostTalk = unpack(redis.call('HMGET', agentKey, 'deviceInUse', 'lostTalk')) end
  if lostTalk then return false end
  return deviceInUse ~= '1'
    or redis.call('HGET', keys.queue(prefix, queue), 'ringInUse') ~= '0'
end

-- Puts the agent in the pool of each of its queues whose device rule allows it (`known`: eachPool).
local function enterPools(prefix, agentId, known)
  local agentKey = keys.agent(prefix, agentId)
  local deviceInUse, lostTalk, lastIdle
  if known then deviceInUse, lostTalk, lastIdle = known.deviceInUse, known.lostTalk, known.lastIdle end
  eachPool(prefix, agentId, function(queue, key, member, penalty)
    if deviceAllows(prefix, queue, agentKey, deviceInUse, lostTalk) then
      redis.call('ZADD', key, poolScore(prefix, queue, agentKey, lastIdle), agentId)
      redis.call('ZADD', poolsKey(prefix, queue), penalty, member)
    end
  end, known)
end

-- Takes the agent out of the pool of each of its queues (no-op where it is not in).
local function leavePools(prefix, agentId, known)
  eachPool(prefix, agentId, function(queue, key, member)
    if redis.call('ZREM', key, agentId) == 1 and redis.call('ZCARD', key) == 0 then
      redis.call('ZREM', poolsKey(prefix, queue), member)
    end
  end, known)
end

-- True when the agent is ready and not in a back-off: the state in which it belongs in pools.
-- `status` and `availableAt` as HMGET gives them, when the caller read them (route.lua).
local function offerable(agentKey, status, availableAt)
  if status == nil then status, availableAt = unpack(redis.call('HMGET', agentKey, 'status', 'availableAt')) end
  return status == 'ready' and not availableAt
end

-- Re-files one member in one queue's pool after the queue's settings changed (strategy order,
-- ringInUse): out of its pool, then back in with a fresh score when it belongs there.
local function refilePool(prefix, queue, agentId, penalty)
  local agentKey = keys.agent(prefix, agentId)
  local member = poolMember(penalty, redis.call('HGET', agentKey, 'profile') or '')
  local key = poolKey(prefix, queue, member)
  if redis.call('ZREM', key, agentId) == 1 and redis.call('ZCARD', key) == 0 then
    redis.call('ZREM', poolsKey(prefix, queue), member)
  end
  if offerable(agentKey) and deviceAllows(prefix, queue, agentKey) then
    redis.call('ZADD', key, poolScore(prefix, queue, agentKey), agentId)
    redis.call('ZADD', poolsKey(prefix, queue), penalty, member)
  end
end
