--[[
  Creates (logged out) or updates an agent definition. Membership changes take effect at once:
  the agent leaves the members hash and idle set of every queue it no longer serves, and a ready
  agent enters the idle set of every new queue with its existing idle-since time.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] agent memberships   acd:{t}:agent:<id>:queues
  KEYS[3] agent id set        acd:{t}:agents

  ARGV[1] key prefix acd:{t}: (per-queue keys are built from it; legal because every key of
          the tenant shares the {t} hash tag, so all of them live in one slot)
  ARGV[2] agent id
  ARGV[3] name
  ARGV[4] default endpoint
  ARGV[5] wrap-up override in seconds, '' = the queue's
  ARGV[6..] queue, penalty pairs

  Returns 1.
]]
--- @include "nowMs"

local prefix, agentId = ARGV[1], ARGV[2]
local now = nowMs()
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'id', agentId, 'status', 'logged_out', 'reason', '', 'since', now, 'endpoint', '',
    'call', '', 'version', 0, 'callsTaken', 0, 'lastIdle', 0)
end
redis.call('HSET', KEYS[1], 'name', ARGV[3], 'defaultEndpoint', ARGV[4], 'wrapupS', ARGV[5])
redis.call('SADD', KEYS[3], agentId)

local wanted = {}
for i = 6, #ARGV, 2 do
  wanted[ARGV[i]] = ARGV[i + 1]
end
for _, queue in ipairs(redis.call('HKEYS', KEYS[2])) do
  if wanted[queue] == nil then
    redis.call('HDEL', KEYS[2], queue)
    redis.call('HDEL', prefix .. 'queue:' .. queue .. ':members', agentId)
    redis.call('ZREM', prefix .. 'queue:' .. queue .. ':idle', agentId)
  end
end
local agent = redis.call('HMGET', KEYS[1], 'status', 'lastIdle')
for queue, penalty in pairs(wanted) do
  redis.call('HSET', KEYS[2], queue, penalty)
  redis.call('HSET', prefix .. 'queue:' .. queue .. ':members', agentId, penalty)
  if agent[1] == 'ready' then
    redis.call('ZADD', prefix .. 'queue:' .. queue .. ':idle', 'NX', agent[2], agentId)
  end
end
return 1
