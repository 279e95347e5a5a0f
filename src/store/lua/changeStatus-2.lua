--[[
  Agent command: ready, not ready (with reason), after-call work or logout. Asking for the status
  and reason the agent already has changes nothing (no event, no version bump).
  In a status of ARGV[7] (on a call) the command is kept for the end of the call instead: the
  agent record's pendingStatus / pendingReason, applied by moveCallAgent (agentStatus.lua) in
  place of the normal wrap-up or ready, and reported by an AgentPendingStatus event.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (idle sets of the agent's queues are built from it; same hash tag)
  ARGV[2] agent id
  ARGV[3] target status: ready | not_ready | logged_out
  ARGV[4] reason code ('' for ready)
  ARGV[5] by (recorded in the AgentStatus event)
  ARGV[6] statuses the command is accepted in, comma-separated (from the domain rules)
  ARGV[7] statuses in which it is kept pending for the end of the call, comma-separated ('' = none)

  Returns {agent HGETALL, memberships HGETALL}.
  Errors  "ACD agent_not_found -", "ACD invalid_state <current status>".
]]
--- @include "nowMs"
--- @include "fail"
--- @include "agentStatus"
--- @include "agentReply"

local prefix, agentId, status, reason = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local agent = redis.call('HMGET', KEYS[1], 'status', 'reason', 'pendingStatus', 'pendingReason', 'call')
if not agent[1] then return fail('agent_not_found', '-') end
if oneOf(agent[1], ARGV[7] or '') then
  if agent[3] ~= status or agent[4] ~= reason then
    redis.call('HSET', KEYS[1], 'pendingStatus', status, 'pendingReason', reason)
    emit(KEYS[2], { type = 'AgentPendingStatus', ts = nowMs(), agentId = agentId, status = agent[1], pending = status,
      reason = reason, callId = agent[5] or '', by = ARGV[5] })
  end
  return agentReply(KEYS[1])
end
if not oneOf(agent[1], ARGV[6]) then return fail('invalid_state', agent[1]) end

if agent[1] ~= status or agent[2] ~= reason then
  if status == 'logged_out' then
    redis.call('HSET', KEYS[1], 'endpoint', '')
  end
  setAgentStatus(prefix, KEYS[2], agentId, status, reason, '', ARGV[5], nowMs())
end
return agentReply(KEYS[1])
