-- The agent record and its memberships, as flat HGETALL arrays, for the wrapper's snapshot.
local function agentReply(agentKey)
  return { redis.call('HGETALL', agentKey), redis.call('HGETALL', agentKey .. ':queues') }
end
