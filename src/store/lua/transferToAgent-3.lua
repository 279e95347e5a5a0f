--[[
  Blind transfer of a connected queue call to a ready agent, one atomic step: the agent who had
  it completes it (AgentComplete reason 'transfer', after-call work as at the end of a call) and
  the call is offered to agent ARGV[5] on the new channel ARGV[6] (AgentCalled; the target is
  reserved). A failed offer later puts the caller back in its queue (offerFailed). Fenced by the
  agent channel; nothing is written when a check fails.

  KEYS[1] call hash           acd:{t}:call:<callId>
  KEYS[2] channel index       acd:{t}:chan
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (queue, agent and ctl keys are built from it; same hash tag)
  ARGV[2] call id
  ARGV[3] agent channel id (fence)
  ARGV[4] by (recorded in the CallControl event)
  ARGV[5] target agent id
  ARGV[6] new agent channel id

  Returns {queue, agentId|'', version|0, wrapupS|0, targetEndpoint, 0}: the call's queue, the
  released agent's wrap-up when it entered after-call work, the target agent's endpoint.
  Errors  "ACD call_not_found -", "ACD invalid_state call_<state>", "ACD agent_not_found <a>",
          "ACD invalid_state target_is_self", "ACD invalid_state target_<status>".
]]
--- @include "keys"
--- @include "nowMs"
--- @include "transfer"
--- @include "agentStatus"

local prefix, callId, by, target, newChannel = ARGV[1], ARGV[2], ARGV[4], ARGV[5], ARGV[6]
local call, err = connectedCall(KEYS[1], ARGV[3])
if not call then return err end
local targetKey = keys.agent(prefix, target)
local status = redis.call('HGET', targetKey, 'status')
if not status then return fail('agent_not_found', target) end
if target == call.agentId then return fail('invalid_state', 'target_is_self') end
if status ~= 'ready' then return fail('invalid_state', 'target_' .. status) end

local now = nowMs()
local reply = releaseAgent(prefix, KEYS[1], KEYS[2], KEYS[3], call, callId, 'agent', target, by, now)
redis.call('HSET', KEYS[1], 'state', 'offering', 'agentId', target, 'agentChannel', newChannel, 'bridgeId', '',
  'answeredAt', 0, 'ringStartedAt', now)
redis.call('HSET', KEYS[2], newChannel, callId)
-- The offers of a call (agent channel → agent), as the routing scripts keep them.
redis.call('HSET', KEYS[1] .. ':offers', newChannel, target)
local endpoint = redis.call('HGET', targetKey, 'endpoint')
emit(KEYS[3], { type = 'AgentCalled', ts = now, callId = callId, queue = call.queue, agentId = target,
  endpoint = endpoint, agentChannel = newChannel })
setAgentStatus(prefix, KEYS[3], target, 'reserved', '', callId, 'system', now)
reply[5] = endpoint
redis.call('HINCRBY', KEYS[1], 'version', 1)
return reply
