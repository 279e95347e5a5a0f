--[[
  Creates or updates a queue definition.

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

  Returns 1.
]]
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'name', ARGV[2], 'strategy', ARGV[3], 'ringTimeoutS', ARGV[4],
  'wrapupS', ARGV[5], 'musicClass', ARGV[6], 'def', ARGV[7])
redis.call('SADD', KEYS[2], ARGV[1])
return 1
