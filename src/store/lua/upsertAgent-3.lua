--[[
  Creates (logged out) or updates an agent definition. Membership and skill changes take effect
  at once: the agent leaves the members hash, idle set and routing pool of every queue it no
  longer serves, and a ready agent enters the idle set (with its existing idle-since time) and
  pool of every new queue.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] agent memberships   acd:{t}:agent:<id>:queues
  KEYS[3] agent id set        acd:{t}:agents

  ARGV[1] key prefix acd:{t}: (per-queue keys are built from it; legal because every key of
          the tenant shares the {t} hash tag, so all of them live in one slot)
  ARGV[2] agent id
  ARGV[3] name
  ARGV[4] default endpoint
  ARGV[5] wrap-up override in seconds, '' = the queue's
  ARGV[6] skill profile `billing:2+english:4` (names sorted), '' = none
  ARGV[7..] queue, penalty, order ('' = the agent's creation rank), weight quadruples

  Returns 1.
]]
--- @include "keys"
--- @include "nowMs"
--- @include "pools"
--- @include "queueCounts"

local prefix, agentId = ARGV[1], ARGV[2]
local routingKey = KEYS[1] .. ':routing'
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'id', agentId, 'status', 'logged_out', 'reason', '', 'since', nowMs(), 'endpoint', '',
    'call', '', 'version', 0, 'callsTaken', 0, 'lastIdle', 0, 'rank', redis.call('INCR', keys.agentRank(prefix)))
end
local inPools = offerable(KEYS[1])
if inPools then leavePools(prefix, agentId) end
redis.call('HSET', KEYS[1], 'name', ARGV[3], 'defaultEndpoint', ARGV[4], 'wrapupS', ARGV[5], 'profile', ARGV[6])
-- The tenant's first agent: its agent counters start counted (queueCounts.lua; no rebuild on read).
if redis.call('SCARD', KEYS[3]) == 0 then redis.call('DEL', keys.agentCounts(prefix)) redis.call('HSET', keys.agentCounts(prefix), 'counted', 1) end
redis.call('SADD', KEYS[3], agentId)

local wanted = {}
redis.call('DEL', routingKey)
local rank = redis.call('HGET', KEYS[1], 'rank')
for i = 7, #ARGV, 4 do
  local queue = ARGV[i]
  wanted[queue] = ARGV[i + 1]
  local order = ARGV[i + 2]
  if order == '' then order = rank end
  redis.call('HSET', routingKey, queue .. ':order', order, queue .. ':weight', ARGV[i + 3])
end
local status = redis.call('HGET', KEYS[1], 'status')
for _, queue in ipairs(redis.call('HKEYS', KEYS[2])) do
  if wanted[queue] == nil then
    redis.call('HDEL', KEYS[2], queue)
    countAgent(prefix, queue, KEYS[1], -1)
    redis.call('HDEL', keys.queueMembers(prefix, queue), agentId)
    redis.call('ZREM', keys.queueIdle(prefix, queue), agentId)
  end
end
local agent = redis.call('HMGET', KEYS[1], 'status', 'lastIdle')
for queue, penalty in pairs(wanted) do
  if redis.call('HSET', KEYS[2], queue, penalty) == 1 then countAgent(prefix, queue, KEYS[1], 1) end
  redis.call('HSET', keys.queueMembers(prefix, queue), agentId, penalty)
  if agent[1] == 'ready' then
    redis.call('ZADD', keys.queueIdle(prefix, queue), 'NX', agent[2], agentId)
  end
end
if inPools then enterPools(prefix, agentId) end
return 1
