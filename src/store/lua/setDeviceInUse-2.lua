--[[
  Device state (app_queue ringinuse): the agent's phone is / is no longer in use by a call outside
  the ACD. The agent keeps its status; it leaves (or re-enters) the routing pools of its queues
  whose ringInUse is false (pools.lua deviceAllows), so routing never offers it there meanwhile.
  Setting the value the agent already has changes nothing (no event).

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (pools are built from it; same hash tag)
  ARGV[2] agent id
  ARGV[3] '1' = in use, '0' = free

  Returns 1 when the flag changed, 0 when it already had that value.
  Errors  "ACD agent_not_found -".
]]
--- @include "nowMs"
--- @include "fail"
--- @include "emit"
--- @include "pools"

local prefix, agentId, inUse = ARGV[1], ARGV[2], ARGV[3] == '1'
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('agent_not_found', '-') end
if (redis.call('HGET', KEYS[1], 'deviceInUse') == '1') == inUse then return 0 end

local inPools = offerable(KEYS[1])
if inPools then leavePools(prefix, agentId) end
if inUse then redis.call('HSET', KEYS[1], 'deviceInUse', '1') else redis.call('HDEL', KEYS[1], 'deviceInUse') end
if inPools then enterPools(prefix, agentId) end
emit(KEYS[2], { type = 'AgentDeviceState', ts = nowMs(), agentId = agentId, inUse = inUse })
return 1
