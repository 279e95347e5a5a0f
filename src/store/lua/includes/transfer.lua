--- @include "keys"
--- @include "fail"
--- @include "emit"
--- @include "wrapUp"
--- @include "queueCounts"

-- What every transfer of a connected queue call shares (transferToQueue, transferToAgent,
-- consultComplete, transferToExtension, park): the call, fenced by its agent channel, and the
-- release of the agent who had it.

-- The call at `callKey` as a table when it is connected on `agentChannel`; else nil and the error reply.
local function connectedCall(callKey, agentChannel)
  local flat = redis.call('HGETALL', callKey)
  if #flat == 0 then return nil, fail('call_not_found', '-') end
  local call = {}
  for i = 1, #flat, 2 do call[flat[i]] = flat[i + 1] end
  if call.state ~= 'connected' or call.agentChannel ~= agentChannel then return nil, fail('invalid_state', 'call_' .. call.state) end
  return call
end

-- The agent who had the call completes it (AgentComplete reason 'transfer', or 'park'; CallControl
-- transfer `mode` / `target`; mode 'agentLeft', its leg left before the bridge: reason
-- 'completeagent' as a call the agent ended, no transfer recorded) and enters after-call work as at
-- the end of a call; its leg and the call's control state go. Returns the reply {queue, agentId|'', version|0, wrapupS|0, '', slot|0}.
local function releaseAgent(prefix, callKey, chanKey, eventsKey, call, callId, mode, target, by, now)
  local answeredAt = tonumber(call.answeredAt)
  emit(eventsKey, { type = 'AgentComplete', ts = now, callId = callId, queue = call.queue, agentId = call.agentId,
    talkMs = now - answeredAt, waitMs = answeredAt - tonumber(call.joinedAt),
    reason = ({ park = 'park', agentLeft = 'completeagent' })[mode] or 'transfer' })
  if mode ~= 'agentLeft' then
    emit(eventsKey, { type = 'CallControl', ts = now, callId = callId, agentId = call.agentId, action = 'transfer',
      mode = mode, target = target, by = by })
  end
  local version, wrapupS = endTalk(prefix, eventsKey, call, callId, now)
  local reply = { call.queue, '', 0, 0, '', 0 }
  if version and tonumber(wrapupS) > 0 then reply = { call.queue, call.agentId, version, wrapupS, '', 0 } end
  redis.call('HDEL', chanKey, call.agentChannel)
  redis.call('DEL', keys.ctl(prefix, callId))
  return reply
end

-- The call leaves the queues for a control call (redirect, park): call record, caller's channel
-- entry and offers go; QueueCallerLeave with `reason`.
local function removeQueueCall(prefix, callKey, chanKey, eventsKey, call, callId, reason, now)
  redis.call('HDEL', chanKey, call.callerChannel)
  redis.call('SREM', keys.calls(prefix), callId)
  uncountCall(prefix, call.queue, callId) -- the read endpoints' per-queue index (queueCounts.lua)
  redis.call('DEL', callKey, callKey .. ':offers')
  emit(eventsKey, { type = 'QueueCallerLeave', ts = now, callId = callId, queue = call.queue, reason = reason,
    waitMs = tonumber(call.answeredAt) - tonumber(call.joinedAt) })
end
