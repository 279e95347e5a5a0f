--[[
  Routing decision triggered by an agent (it became ready, or its back-off ended): the best
  waiting caller, across the agent's queues, that this agent may take now (its penalty under the
  caller's ceiling, its skills matching the caller's current step). Scores compare across queues
  (one arrival counter). Cost: the agent's queues × distinct requirement sets waiting in each.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] agent memberships   acd:{t}:agent:<id>:queues
  KEYS[3] channel index       acd:{t}:chan
  KEYS[4] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (waiting zsets, calls and pools are built from it; same hash tag)
  ARGV[2] agent id
  ARGV[3] agent channel id to use for the offer

  Returns {0, assignment} (see reserve.lua), or {0} when the agent is not ready, still in a
  back-off, or no waiting caller fits it (queues whose ringInUse rule excludes it are skipped).
  A back-off that is over ends here.
]]
--- @include "keys"
--- @include "nowMs"
--- @include "route"
--- @include "reserve"

local prefix, agentId = ARGV[1], ARGV[2]
local agent = redis.call('HMGET', KEYS[1], 'status', 'availableAt', 'profile')
if agent[1] ~= 'ready' then return { 0 } end
local now = nowMs()
if agent[2] then
  if tonumber(agent[2]) > now then return { 0 } end
  endBackoff(prefix, agentId)
end
local have = parseSkills(agent[3] or '')
local best -- { callId, score, queue, strategy, penalty, routing params }
local memberships = redis.call('HGETALL', KEYS[2])
for i = 1, #memberships, 2 do
  local queue, penalty = memberships[i], tonumber(memberships[i + 1])
  local params = routingParams(prefix, queue)
  -- A queue with ringInUse false does not offer this agent while its phone is in use (pools.lua).
  local heads = {}
  if deviceAllows(prefix, queue, KEYS[1]) then heads = waitingHeads(prefix, keys.queueWaiting(prefix, queue)) end
  for _, head in ipairs(heads) do
    if best and head[2] >= best[2] then break end
    local needs = callerNeeds(prefix, params, head[1], head[3], now)
    if penalty <= needs.ceiling and matchQuality(have, needs.need, needs.relax) then
      best = { head[1], head[2], queue, params.strategy, memberships[i + 1], params }
      break
    end
  end
end
if not best then return { 0 } end
local position = redis.call('ZSCORE', poolKey(prefix, best[3], best[5] .. '|' .. (agent[3] or '')), agentId)
if position then rememberPick(prefix, best[3], best[4], position) end
return { 0, reserve(prefix, KEYS[3], KEYS[4], best[1], agentId, ARGV[3], now, best[6]) }
