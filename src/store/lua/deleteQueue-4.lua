--[[
  Deletes a queue. Refused while any call of the queue is waiting, offered or connected (the
  callers would be stranded): withdraw or hang them up first. Members simply stop serving it
  (an agent serving no queue stays logged in). Statistics are kept.

  KEYS[1] queue hash          acd:{t}:queue:<id>
  KEYS[2] queue id set        acd:{t}:queues
  KEYS[3] call id set         acd:{t}:calls
  KEYS[4] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}:
  ARGV[2] queue id

  Publishes the queue id on the queueChanged channel.
  Returns the number of members removed.
  Errors  "ACD queue_not_found -", "ACD conflict <n calls>".
]]
--- @include "keys"
--- @include "fail"
--- @include "membership"

local prefix, queue = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('queue_not_found', '-') end
local calls = 0
for _, callId in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HGET', keys.call(prefix, callId), 'queue') == queue then calls = calls + 1 end
end
if calls > 0 then return fail('conflict', calls) end

local members = redis.call('HKEYS', keys.queueMembers(prefix, queue))
for _, agentId in ipairs(members) do removeFromQueue(prefix, agentId, queue) end
redis.call('DEL', KEYS[1], keys.queueMembers(prefix, queue), keys.queueIdle(prefix, queue),
  keys.queuePaused(prefix, queue), keys.queueWaiting(prefix, queue), keys.queuePools(prefix, queue),
  keys.queueRoundRobin(prefix, queue), keys.queueClock(prefix, queue), keys.queueSigs(prefix, queue), keys.queueCounts(prefix, queue),
  keys.queueReasons(prefix, queue))
redis.call('SREM', KEYS[2], queue)
-- Every node's cached definition goes (src/store/queueCache.ts).
redis.call('PUBLISH', keys.queueChanged(prefix), queue)
return #members
