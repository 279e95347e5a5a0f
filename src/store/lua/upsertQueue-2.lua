--[[
  Creates or updates a queue definition. Routing settings apply to the next decision; a strategy
  or ringInUse change re-files the queue's members in its routing pools (cost: the queue's
  members, at configuration time only).

  KEYS[1] queue hash          acd:{t}:queue:<id>
  KEYS[2] queue id set        acd:{t}:queues

  ARGV[1] id
  ARGV[2] name
  ARGV[3] strategy
  ARGV[4] ringTimeoutS
  ARGV[5] wrapupS
  ARGV[6] musicClass
  ARGV[7] the whole QueueDef as JSON (field `def`): the definition read back by TypeScript. The
          scalar fields above are copies the scripts read; new definition parts need no new ARGV
  ARGV[8] key prefix acd:{t}: (members and pools are built from it; same hash tag)
  ARGV[9..] routing field, value pairs the routing scripts read (see route.lua, offerFailed);
          '' removes the field (default applies)

  Publishes the queue id on the queueChanged channel (nodes drop their cached definition).
  Returns 1.
]]
--- @include "keys"
--- @include "pools"
--- @include "queueCounts"

local prefix = ARGV[8]
local previous = redis.call('HGET', KEYS[1], 'strategy')
local previousRingInUse = redis.call('HGET', KEYS[1], 'ringInUse')
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'strategy', ARGV[3], 'ringTimeoutS', ARGV[4],
  'wrapupS', ARGV[5], 'musicClass', ARGV[6], 'def', ARGV[7])
for i = 9, #ARGV, 2 do
  if ARGV[i + 1] == '' then
    redis.call('HDEL', KEYS[1], ARGV[i])
  else
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
redis.call('SADD', KEYS[2], ARGV[1])
recountQueue(prefix, ARGV[1])
if (previous and previous ~= ARGV[3]) or previousRingInUse ~= redis.call('HGET', KEYS[1], 'ringInUse') then
  local members = redis.call('HGETALL', KEYS[1] .. ':members')
  for i = 1, #members, 2 do
    refilePool(prefix, ARGV[1], members[i], members[i + 1])
  end
end
redis.call('PUBLISH', keys.queueChanged(prefix), ARGV[1])
return 1
