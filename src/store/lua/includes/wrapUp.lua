--- @include "keys"
--- @include "agentStatus"

-- After-call work for the agent of a call that ended or moved on: the agent's own wrap-up
-- seconds, else `fallbackS` (the queue's, or a default; a function giving it is called only
-- when the agent has none); ready at once when 0. No-op (nil version) when the agent has moved
-- on. Returns version, the wrap-up timer's seconds ('0' when none runs: no wrap-up, or the agent
-- asked for another status during the call), the status applied, the agent's queues (see
-- moveCallAgent) and the wrap-up seconds configured.
local function wrapUp(prefix, eventsKey, agentId, callId, fallbackS, now)
  local agent = readAgent(keys.agent(prefix, agentId))
  local configuredS = agent.wrapupS
  if not configuredS or configuredS == '' then
    configuredS = fallbackS
    if type(configuredS) == 'function' then configuredS = configuredS() end
  end
  local status = 'ready'
  if tonumber(configuredS) > 0 then status = 'after_call_work' end
  local version, applied, queues = moveCallAgent(prefix, eventsKey, agentId, callId, status, '', now, agent)
  local timerS = configuredS
  if applied ~= 'after_call_work' then timerS = '0' end
  return version, timerS, applied, queues, configuredS
end

-- The agent's talk on the connected `call` (its hash as a table) is over, the call ended or went
-- elsewhere (endCall-4.lua, transfer.lua): its talk time counts (least-talk-time routing), it
-- wraps up with the queue's wrap-up as the fallback, and the call counts as taken when the agent
-- was still on it. Returns wrapUp's answers.
local function endTalk(prefix, eventsKey, call, callId, now)
  local agentKey = keys.agent(prefix, call.agentId)
  redis.call('HINCRBY', agentKey, 'talkMs', now - tonumber(call.answeredAt))
  local version, timerS, applied, queues, configuredS = wrapUp(prefix, eventsKey, call.agentId, callId, function()
    return redis.call('HGET', keys.queue(prefix, call.queue), 'wrapupS') or '0'
  end, now)
  if version then redis.call('HINCRBY', agentKey, 'callsTaken', 1) end
  return version, timerS, applied, queues, configuredS
end
