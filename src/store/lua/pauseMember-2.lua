--[[
  Pauses or unpauses a member in one queue (app_queue's QueuePause). A paused member keeps its
  penalty but is out of the queue's routing indexes (see includes/membership.lua), so it is
  never offered that queue's calls, whatever its status; its other queues are unaffected.
  Pausing a paused member only changes the reason; unpausing a member that is not paused does
  nothing (no event). Pausing a paused member that a re-applied definition (configuration at
  start-up, upsertAgent) made a member again takes it out again, with its new penalty.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}:
  ARGV[2] agent id
  ARGV[3] queue id
  ARGV[4] 1 = pause, 0 = unpause
  ARGV[5] reason ('' for none)

  Returns {changed 0|1, paused 0|1}.
  Errors  "ACD agent_not_found -", "ACD not_found not_member".
  Events  QueueMemberPause (paused true/false, reason).
]]
--- @include "keys"
--- @include "nowMs"
--- @include "fail"
--- @include "emit"
--- @include "membership"

local prefix, agentId, queue, pause, reason = ARGV[1], ARGV[2], ARGV[3], ARGV[4] == '1', ARGV[5]
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('agent_not_found', '-') end
local pausedKey = keys.queuePaused(prefix, queue)
local penalty = redis.call('HGET', keys.agentQueues(prefix, agentId), queue)
local pausedRaw = redis.call('HGET', pausedKey, agentId)
if not penalty and not pausedRaw then return fail('not_found', 'not_member') end

local now = nowMs()
if pause then
  local since = now
  if pausedRaw then
    local paused = cjson.decode(pausedRaw)
    -- Still out of the queue (not made a member again by a re-applied definition).
    if not penalty then
      if paused.reason == reason then return { 0, 1 } end
      penalty = paused.penalty
    end
    since = paused.since
  end
  leaveQueue(prefix, agentId, queue)
  redis.call('HSET', pausedKey, agentId, cjson.encode({ penalty = tonumber(penalty), reason = reason, since = since }))
else
  if not pausedRaw then return { 0, 0 } end
  redis.call('HDEL', pausedKey, agentId)
  -- A definition re-applied while paused (config at start-up) may have made it a member again.
  if not penalty then joinQueue(prefix, agentId, queue, cjson.decode(pausedRaw).penalty) end
  reason = ''
end
emit(KEYS[2], { type = 'QueueMemberPause', ts = now, queue = queue, agentId = agentId, paused = pause, reason = reason })
if pause then return { 1, 1 } end
return { 1, 0 }
