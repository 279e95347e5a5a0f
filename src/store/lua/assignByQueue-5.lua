--[[
  Routing decision triggered by a queue (a caller joined): the head waiting caller of the queue
  and the longest-idle ready member of the same queue. Cost: O(log n) lookups plus the number of
  the chosen agent's queues; never a scan of agents or callers.

  KEYS[1] queue hash          acd:{t}:queue:<queue>
  KEYS[2] waiting zset        acd:{t}:queue:<queue>:waiting
  KEYS[3] idle zset           acd:{t}:queue:<queue>:idle
  KEYS[4] channel index       acd:{t}:chan
  KEYS[5] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (the call, the agent and the agent's other queues are built from
          it; legal because every key of the tenant shares the {t} hash tag)
  ARGV[2] queue id
  ARGV[3] agent channel id to use for the offer

  Returns {callId, queue, callerChannel, callerNumber, callerName, agentId, endpoint,
           agentChannel, ringTimeoutS}, or nil when there is no caller or no idle agent.
  Errors  "ACD internal <detail>" when an idle set holds an agent that is not ready (corruption).
]]
--- @include "nowMs"
--- @include "fail"
--- @include "reserve"

local callId = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
if not callId then return nil end
local now = nowMs()
-- Idle scores in the future are agents in a busy/reject back-off: not offered yet.
local agentId = redis.call('ZRANGE', KEYS[3], '-inf', now, 'BYSCORE', 'LIMIT', 0, 1)[1]
if not agentId then return nil end
local status = redis.call('HGET', ARGV[1] .. 'agent:' .. agentId, 'status')
if status ~= 'ready' then
  return fail('internal', 'agent ' .. agentId .. ' is ' .. tostring(status) .. ' but idle in ' .. ARGV[2])
end
return reserve(ARGV[1], KEYS[4], KEYS[5], callId, agentId, ARGV[3], now)
