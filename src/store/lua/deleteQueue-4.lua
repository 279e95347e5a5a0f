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

  Returns the number of members removed.
  Errors  "ACD queue_not_found -", "ACD conflict <n calls>".
]]
--- @include "fail"
--- @include "membership"

local prefix, queue = ARGV[1], ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('queue_not_found', '-') end
local calls = 0
for _, callId in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HGET', prefix .. 'call:' .. callId, 'queue') == queue then calls = calls + 1 end
end
if calls > 0 then return fail('conflict', calls) end

local members = redis.call('HKEYS', prefix .. 'queue:' .. queue .. ':members')
for _, agentId in ipairs(members) do removeFromQueue(prefix, agentId, queue) end
redis.call('DEL', KEYS[1], prefix .. 'queue:' .. queue .. ':members', prefix .. 'queue:' .. queue .. ':idle',
  prefix .. 'queue:' .. queue .. ':paused', prefix .. 'queue:' .. queue .. ':waiting', prefix .. 'queue:' .. queue .. ':pools',
  prefix .. 'queue:' .. queue .. ':rr', prefix .. 'queue:' .. queue .. ':clock', prefix .. 'queue:' .. queue .. ':waiting:sigs', prefix .. 'queue:' .. queue .. ':counts',
  prefix .. 'queue:' .. queue .. ':reasons')
redis.call('SREM', KEYS[2], queue)
return #members
