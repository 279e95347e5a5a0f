--[[
  Routing decision triggered by a queue (a caller joined, an offer failed, a wait rule is due).
  For each requirement group's head caller, best first (priority band, then arrival): the agents
  it may have now (penalty ceiling and skill step from its wait time, see route.lua), picked by
  the queue's strategy; the first caller that has one is offered (ringall: to all of them).
  Cost: distinct requirement sets waiting × non-empty pools of the queue; never a scan of agents
  or callers.

  KEYS[1] queue hash          acd:{t}:queue:<queue>
  KEYS[2] waiting zset        acd:{t}:queue:<queue>:waiting
  KEYS[3] channel index       acd:{t}:chan
  KEYS[4] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (calls, agents, pools are built from it; legal because every key
          of the tenant shares the {t} hash tag)
  ARGV[2] queue id
  ARGV[3] agent channel id for the offer (ringall: further offers get "<id>-2", "<id>-3", ...)

  Returns {waitingLeft, assignment...} (see reserve.lua; several for ringall; waitingLeft = callers
  still waiting in the queue, so the router knows whether to ask again), or {retryAt}: no offer
  possible now; retryAt = ms epoch at which a waiting caller's rules relax (0 = none).
]]
--- @include "nowMs"
--- @include "route"
--- @include "reserve"

local prefix, queue, channel = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 0 then return { 0 } end
local now = nowMs()
local params = routingParams(prefix, queue)
local retryAt = 0
for _, head in ipairs(waitingHeads(prefix, KEYS[2])) do
  local needs = callerNeeds(prefix, params, head[1], head[3], now)
  local agents = {}
  local pools = matchingPools(prefix, queue, needs)
  if #pools > 0 then agents = pickAgents(prefix, queue, params.strategy, pools) end
  if #agents > 0 then
    local reply = { 0 }
    for i, agentId in ipairs(agents) do
      local leg = channel
      if i > 1 then leg = channel .. '-' .. i end
      reply[#reply + 1] = reserve(prefix, KEYS[3], KEYS[4], head[1], agentId, leg, now)
    end
    reply[1] = redis.call('ZCARD', KEYS[2])
    return reply
  end
  if needs.nextAt and (retryAt == 0 or needs.nextAt < retryAt) then retryAt = needs.nextAt end
end
return { retryAt }
