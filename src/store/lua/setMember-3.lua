--[[
  Adds an agent to a queue with a penalty, or changes the penalty of a member (paused or not).
  Takes effect at once: a ready agent becomes available to the queue's router.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] queue hash          acd:{t}:queue:<id>
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (membership keys are built from it; same hash tag)
  ARGV[2] agent id
  ARGV[3] queue id
  ARGV[4] penalty
  ARGV[5] mode: add (member or not) | penalty (must already be a member)

  Returns {member: 1 when the agent was already a member (or paused), paused: 0|1}.
  Errors  "ACD agent_not_found -", "ACD queue_not_found -", "ACD not_found not_member".
  Events  QueueMemberAdded (new member) or QueueMemberPenalty.
]]
--- @include "keys"
--- @include "nowMs"
--- @include "fail"
--- @include "emit"
--- @include "membership"

local prefix, agentId, queue, penalty, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('agent_not_found', '-') end
if redis.call('EXISTS', KEYS[2]) == 0 then return fail('queue_not_found', '-') end
local pausedKey = keys.queuePaused(prefix, queue)
local member = redis.call('HEXISTS', keys.agentQueues(prefix, agentId), queue) == 1
local pausedRaw = redis.call('HGET', pausedKey, agentId)
if mode == 'penalty' and not member and not pausedRaw then return fail('not_found', 'not_member') end

local now = nowMs()
if pausedRaw then
  local paused = cjson.decode(pausedRaw)
  paused.penalty = tonumber(penalty)
  redis.call('HSET', pausedKey, agentId, cjson.encode(paused))
else
  joinQueue(prefix, agentId, queue, penalty)
end
local evType = 'QueueMemberPenalty'
if not member and not pausedRaw then evType = 'QueueMemberAdded' end
emit(KEYS[3], { type = evType, ts = now, queue = queue, agentId = agentId, penalty = tonumber(penalty), paused = pausedRaw ~= false })
local wasMember, isPaused = 0, 0
if member or pausedRaw then wasMember = 1 end
if pausedRaw then isPaused = 1 end
return { wasMember, isPaused }
