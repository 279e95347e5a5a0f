--- @include "keys"
--- @include "agentStatus"

-- After-call work for the agent of a call that ended or moved on: the agent's own wrap-up
-- seconds, else `fallbackS` (the queue's, or a default); ready at once when 0. No-op (nil
-- version) when the agent has moved on. Returns version, wrap-up seconds ('0' when the agent
-- asked for another status during the call, so no wrap-up timer runs).
local function wrapUp(prefix, eventsKey, agentId, callId, fallbackS, now)
  local agent = readAgent(keys.agent(prefix, agentId))
  local wrapupS = agent.wrapupS
  if not wrapupS or wrapupS == '' then wrapupS = fallbackS end
  local status = 'ready'
  if tonumber(wrapupS) > 0 then status = 'after_call_work' end
  local version, applied = moveCallAgent(prefix, eventsKey, agentId, callId, status, '', now, agent)
  if applied ~= 'after_call_work' then wrapupS = '0' end
  return version, wrapupS
end
