--[[
  Removes an agent from a queue (paused or not). A call the agent is on continues.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}:
  ARGV[2] agent id
  ARGV[3] queue id

  Returns 1.
  Errors  "ACD agent_not_found -", "ACD not_found not_member".
  Events  QueueMemberRemoved.
]]
--- @include "keys"
--- @include "nowMs"
--- @include "fail"
--- @include "emit"
--- @include "membership"

local prefix, agentId, queue = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('agent_not_found', '-') end
local pausedKey = keys.queuePaused(prefix, queue)
local member = redis.call('HEXISTS', keys.agentQueues(prefix, agentId), queue) == 1
local paused = redis.call('HEXISTS', pausedKey, agentId) == 1
if not member and not paused then return fail('not_found', 'not_member') end
removeFromQueue(prefix, agentId, queue)
redis.call('HDEL', pausedKey, agentId)
emit(KEYS[2], { type = 'QueueMemberRemoved', ts = nowMs(), queue = queue, agentId = agentId })
return 1
