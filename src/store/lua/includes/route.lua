--- @include "keys"
--- @include "pools"
--- @include "waiting"

-- The matching half of a routing decision (see src/domain/routing.ts for the rules).

local RINGALL_MAX = 32
-- Relaxation value of the `none` step: skills are ignored.
local RELAX_ALL = 99

-- A queue's routing parameters (copies upsertQueue keeps in the queue hash).
--   steps         "endS:relax,...": each step lasts until `endS` of waiting (-1 = for ever)
--   penaltyRules  "afterS:maxPenalty,..." sorted by afterS
-- `offer`: the queue hash's ringTimeoutS, strategy and ringStepS as HMGET gives them, for reserve.lua.
local function routingParams(prefix, queue)
  local q = redis.call('HMGET', keys.queue(prefix, queue), 'strategy', 'steps', 'penaltyRules', 'maxPenalty',
    'ringTimeoutS', 'ringStepS')
  return { queue = queue, strategy = q[1] or 'longest-idle', steps = q[2] or '', rules = q[3] or '',
    maxPenalty = tonumber(q[4] or '') or 1000000000, offer = { q[5], q[1], q[6] } }
end

-- `billing:2+english:3` → { billing = 2, english = 3 }
local function parseSkills(text)
  local skills = {}
  for name, level in string.gmatch(text, '([^+:]+):(%d+)') do skills[name] = tonumber(level) end
  return skills
end

-- The skill relaxation in force after `waitedS`, and the wait at which it changes (nil = never).
local function stepAt(steps, waitedS)
  local relax = 0
  for endS, r in string.gmatch(steps, '(-?%d+):(%d+)') do
    endS, relax = tonumber(endS), tonumber(r)
    if endS < 0 then return relax, nil end
    if waitedS < endS then return relax, endS end
  end
  return relax, nil
end

-- The highest penalty the caller may be offered to after `waitedS`, and when that changes.
local function penaltyCeiling(params, waitedS)
  local ceiling = params.maxPenalty
  for afterS, max in string.gmatch(params.rules, '(%d+):(%d+)') do
    afterS = tonumber(afterS)
    if waitedS < afterS then return ceiling, afterS end
    ceiling = tonumber(max)
  end
  return ceiling, nil
end

-- Sum of the agent's levels in the required skills when it satisfies them under `relax`;
-- nil when it does not.
local function matchQuality(have, need, relax)
  local quality = 0
  for name, min in pairs(need) do
    local level = have[name] or 0
    if relax < RELAX_ALL and level < math.max(1, min - relax) then return nil end
    quality = quality + level
  end
  return quality
end

-- What a waiting caller needs now: skills, relaxation, penalty ceiling, and the ms epoch at which
-- one of them changes (nextAt, nil = never): routing must be tried again then. `joinedAt`: the
-- caller's, when the script knows it (it made the call: enqueue-8.lua).
local function callerNeeds(prefix, params, callId, sig, now, joinedAt)
  joinedAt = joinedAt or tonumber(redis.call('HGET', keys.call(prefix, callId), 'joinedAt') or '') or now
  local waitedS = (now - joinedAt) / 1000
  local relax, stepEnd = stepAt(params.steps, waitedS)
  local ceiling, ruleAt = penaltyCeiling(params, waitedS)
  local nextS = ruleAt
  if sig ~= '' and stepEnd and (not nextS or stepEnd < nextS) then nextS = stepEnd end
  local nextAt
  if nextS then nextAt = joinedAt + nextS * 1000 end
  return { need = parseSkills(sig), relax = relax, ceiling = ceiling, nextAt = nextAt }
end

-- The pools a caller may be offered from: the lowest tier under its ceiling that has a match,
-- and in it the profiles with the best match quality. Cost: the queue's non-empty pools.
local function matchingPools(prefix, queue, needs)
  local chosen, bestTier, bestQuality = {}, nil, nil
  for _, member in ipairs(redis.call('ZRANGE', poolsKey(prefix, queue), '-inf', needs.ceiling, 'BYSCORE')) do
    local tier, profile = string.match(member, '^(%d+)|(.*)$')
    tier = tonumber(tier)
    if bestTier and tier > bestTier then break end
    local quality = matchQuality(parseSkills(profile), needs.need, needs.relax)
    if quality then
      local pool = { key = poolKey(prefix, queue, member), member = member, penalty = tostring(tier), profile = profile }
      if not bestQuality or quality > bestQuality then
        chosen, bestTier, bestQuality = { pool }, tier, quality
      elseif quality == bestQuality then
        chosen[#chosen + 1] = pool
      end
    end
  end
  return chosen
end

-- True when the agent really belongs in the pool (ready, not backing off, member with that
-- penalty and profile, device rule). Anything else is a stale entry: dropped here, so it is never offered.
local function belongs(prefix, queue, pool, agentId)
  local agentKey = keys.agent(prefix, agentId)
  -- The state, the device rule and the profile in one read (issue 12).
  local agent = redis.call('HMGET', agentKey, 'status', 'availableAt', 'deviceInUse', 'profile', 'lostTalk')
  if offerable(agentKey, agent[1], agent[2]) and deviceAllows(prefix, queue, agentKey, agent[3], agent[5])
      and (agent[4] or '') == pool.profile and redis.call('HGET', agentKey .. ':queues', queue) == pool.penalty then
    return true
  end
  redis.call('ZREM', pool.key, agentId)
  if redis.call('ZCARD', pool.key) == 0 then redis.call('ZREM', poolsKey(prefix, queue), pool.member) end
  return false
end

-- ZRANGE on a pool (with `args`) whose first entry belongs there.
local function poolHead(prefix, queue, pool, ...)
  for _ = 1, 8 do
    local head = redis.call('ZRANGE', pool.key, ...)
    if not head[1] or belongs(prefix, queue, pool, head[1]) then return head end
  end
  return {}
end

-- Remembers a pick for the strategies with memory (round-robin cursor, random clock).
local function rememberPick(prefix, queue, strategy, score)
  if strategy == 'round-robin' then
    redis.call('SET', keys.queueRoundRobin(prefix, queue), score)
  elseif strategy == 'random' or strategy == 'weighted-random' then
    redis.call('SET', keys.queueClock(prefix, queue), score)
  end
end

-- True when candidate (score a, id a) comes before (score b, id b).
local function before(sa, ia, sb, ib)
  return sb == nil or sa < sb or (sa == sb and ia < ib)
end

-- The agents the strategy offers the call to among `pools`: every one (up to RINGALL_MAX) for
-- ringall, else the first in the strategy's order. Cost: one or two lookups per pool.
local function pickAgents(prefix, queue, strategy, pools)
  if strategy == 'ringall' then
    local all = {}
    for _, pool in ipairs(pools) do
      for _, id in ipairs(redis.call('ZRANGE', pool.key, 0, RINGALL_MAX - 1 - #all)) do
        if belongs(prefix, queue, pool, id) then all[#all + 1] = id end
      end
      if #all >= RINGALL_MAX then break end
    end
    return all
  end
  local bestId, bestScore, bestWrapped
  local cursor = strategy == 'round-robin' and redis.call('GET', keys.queueRoundRobin(prefix, queue))
  for _, pool in ipairs(pools) do
    local head, wrapped = nil, false
    if cursor then
      head = poolHead(prefix, queue, pool, '(' .. cursor, '+inf', 'BYSCORE', 'LIMIT', 0, 1, 'WITHSCORES')
      if not head[1] then head, wrapped = nil, true end
    end
    head = head or poolHead(prefix, queue, pool, 0, 0, 'WITHSCORES')
    local score = tonumber(head[2])
    -- Round-robin: agents after the cursor come before those reached by wrapping around.
    if head[1] and (bestWrapped == nil or (bestWrapped and not wrapped)
        or (wrapped == bestWrapped and before(score, head[1], bestScore, bestId))) then
      bestId, bestScore, bestWrapped = head[1], score, wrapped
    end
  end
  if not bestId then return {} end
  rememberPick(prefix, queue, strategy, bestScore)
  return { bestId }
end
