--[[
  Routing decision triggered by an agent (it became ready): the best waiting caller across the
  agent's queues, i.e. the lowest waiting score (highest priority, then earliest arrival; the
  arrival counter is shared by all queues so scores compare across them). Cost: one head lookup
  per queue of the agent; never a scan of agents or callers.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] agent memberships   acd:{t}:agent:<id>:queues
  KEYS[3] channel index       acd:{t}:chan
  KEYS[4] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (waiting zsets of the agent's queues and the call are built from
          it; legal because every key of the tenant shares the {t} hash tag)
  ARGV[2] agent id
  ARGV[3] agent channel id to use for the offer

  Returns the Assignment array (see assignByQueue-5.lua), or nil when the agent is not ready
  or none of its queues has a waiting caller.
]]
--- @include "nowMs"
--- @include "reserve"

local prefix = ARGV[1]
local agent = redis.call('HMGET', KEYS[1], 'status', 'availableAt')
if agent[1] ~= 'ready' then return nil end
local now = nowMs()
if agent[2] and tonumber(agent[2]) > now then return nil end -- busy/reject back-off
local bestCall, bestScore
for _, queue in ipairs(redis.call('HKEYS', KEYS[2])) do
  local head = redis.call('ZRANGE', prefix .. 'queue:' .. queue .. ':waiting', 0, 0, 'WITHSCORES')
  if head[1] then
    local score = tonumber(head[2])
    if not bestScore or score < bestScore then
      bestCall, bestScore = head[1], score
    end
  end
end
if not bestCall then return nil end
return reserve(prefix, KEYS[3], KEYS[4], bestCall, ARGV[2], ARGV[3], now)
