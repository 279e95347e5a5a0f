--[[
  The read endpoints' figures (src/store/countOps.ts): tenant-wide agents by status, and per
  asked queue its members by status, its not-ready members by reason and its calls. Cost: O(1)
  per queue plus the calls of the asked queues, never the tenant's agents: the counters are kept
  by the status and membership scripts (includes/queueCounts.lua). Counters that predate them
  (no 'counted' mark) are rebuilt here once.

  KEYS[1] tenant agent counters   acd:{t}:agentCounts

  ARGV[1] key prefix acd:{t}:
  ARGV[2..] queue ids (unknown ones answer empty figures)

  Returns {agents, {status, n...}, {reason, n...}, {queue figures...}} where agents = the
  tenant's agent count and each queue's figures = {members, {status, n...}, {reason, n...},
  {callId, state, joinedAt...}} (calls in join order).
]]
--- @include "keys"
--- @include "queueCounts"

local prefix = ARGV[1]

local function recountAgents()
  redis.call('DEL', KEYS[1])
  for _, agentId in ipairs(redis.call('SMEMBERS', keys.agents(prefix))) do
    local agent = redis.call('HMGET', keys.agent(prefix, agentId), 'status', 'reason')
    if agent[1] and agent[1] ~= 'logged_out' then redis.call('HINCRBY', KEYS[1], agent[1], 1) end
    if agent[1] == 'not_ready' then redis.call('HINCRBY', KEYS[1], 'r:' .. (agent[2] or ''), 1) end
  end
  redis.call('HSET', KEYS[1], 'counted', 1)
end

-- {status, n...} and {reason, n...} of a counters hash ('r:<reason>' fields) and its 'counted' mark.
local function split(flat)
  local statuses, reasons = {}, {}
  for i = 1, #flat, 2 do
    local field, n = flat[i], flat[i + 1]
    if string.sub(field, 1, 2) == 'r:' then
      reasons[#reasons + 1] = string.sub(field, 3)
      reasons[#reasons + 1] = n
    elseif field ~= 'counted' then
      statuses[#statuses + 1] = field
      statuses[#statuses + 1] = n
    end
  end
  return statuses, reasons
end

if redis.call('HEXISTS', KEYS[1], 'counted') == 0 then recountAgents() end
local statuses, reasons = split(redis.call('HGETALL', KEYS[1]))
local queues = {}
for i = 2, #ARGV do
  local queue = ARGV[i]
  local queueKey = keys.queue(prefix, queue)
  if redis.call('EXISTS', queueKey) == 1 and redis.call('HEXISTS', keys.queueReasons(prefix, queue), 'counted') == 0 then
    recountQueue(prefix, queue)
  end
  local counts = split(redis.call('HGETALL', keys.queueCounts(prefix, queue)))
  local _, byReason = split(redis.call('HGETALL', keys.queueReasons(prefix, queue)))
  local calls = {}
  for _, callId in ipairs(redis.call('ZRANGE', keys.queueCallIndex(prefix, queue), 0, -1)) do
    local call = redis.call('HMGET', keys.call(prefix, callId), 'state', 'joinedAt')
    if call[1] then
      calls[#calls + 1] = callId
      calls[#calls + 1] = call[1]
      calls[#calls + 1] = call[2]
    end
  end
  queues[#queues + 1] = { redis.call('HLEN', keys.queueMembers(prefix, queue)), counts, byReason, calls }
end
return { redis.call('SCARD', keys.agents(prefix)), statuses, reasons, queues }
