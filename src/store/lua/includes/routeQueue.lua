--- @include "route"
--- @include "reserve"

-- The routing decision of a queue (assignByQueue-4.lua; enqueue-8.lua right after a join). For
-- each requirement group's head caller, best first (priority band, then arrival): the agents it
-- may have now (penalty ceiling and skill step from its wait time, see route.lua), picked by the
-- queue's strategy; the first caller that has one is offered (ringall: to all of them).
-- `channel`: agent channel id for the offer (ringall: further offers get "<id>-2", "<id>-3"...).
-- Returns {waitingLeft, assignment...} (see reserve.lua; waitingLeft = callers still waiting in
-- the queue), or {retryAt}: no offer possible now; retryAt = ms epoch at which a waiting
-- caller's rules relax (0 = none). `joined`: {callId, joinedAt} of a caller this script has just
-- queued (enqueue-8.lua), which is neither read again nor repaired.
local function routeQueue(prefix, queue, channel, waitingKey, chanKey, eventsKey, now, joined)
  local params = routingParams(prefix, queue)
  local retryAt = 0
  joined = joined or {}
  for _, head in ipairs(waitingHeads(prefix, waitingKey, joined[1])) do
    local joinedAt
    if head[1] == joined[1] then joinedAt = joined[2] end
    local needs = callerNeeds(prefix, params, head[1], head[3], now, joinedAt)
    local agents = {}
    local pools = matchingPools(prefix, queue, needs)
    if #pools > 0 then agents = pickAgents(prefix, queue, params.strategy, pools) end
    if #agents > 0 then
      local reply = { 0 }
      for i, agentId in ipairs(agents) do
        local leg = channel
        if i > 1 then leg = channel .. '-' .. i end
        reply[#reply + 1] = reserve(prefix, chanKey, eventsKey, head[1], agentId, leg, now, params)
      end
      reply[1] = redis.call('ZCARD', waitingKey)
      return reply
    end
    if needs.nextAt and (retryAt == 0 or needs.nextAt < retryAt) then retryAt = needs.nextAt end
  end
  return { retryAt }
end
