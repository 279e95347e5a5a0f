--[[
  A talk whose record Redis lost (src/acd/lostTalks.ts) goes on with this agent: routing offers it
  nothing meanwhile, whatever its status (it may log in again during the talk), in every queue.
  Set while an engine keeps the talk, cleared when the talk ends. Like the device rule it takes the
  agent out of its routing pools while set (pools.lua deviceAllows); the status stays as it is.
  AgentLostTalk tells the pages and streams that the agent's phone is (no longer) on such a talk.

  KEYS[1] agent hash          acd:{t}:agent:<id>
  KEYS[2] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (pools are built from it; same hash tag)
  ARGV[2] agent id
  ARGV[3] '<node id>|<agent leg channel id>' of the talk, '' = none (it ended)

  Returns 1 when the field changed, 0 when it already had that value.
  Errors  "ACD agent_not_found -".
]]
--- @include "nowMs"
--- @include "fail"
--- @include "emit"
--- @include "pools"

local prefix, agentId, talk = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', KEYS[1]) == 0 then return fail('agent_not_found', '-') end
if (redis.call('HGET', KEYS[1], 'lostTalk') or '') == talk then return 0 end

local inPools = offerable(KEYS[1])
if inPools then leavePools(prefix, agentId) end
if talk ~= '' then redis.call('HSET', KEYS[1], 'lostTalk', talk) else redis.call('HDEL', KEYS[1], 'lostTalk') end
if inPools then enterPools(prefix, agentId) end
emit(KEYS[2], { type = 'AgentLostTalk', ts = nowMs(), agentId = agentId, talking = talk ~= '' })
return 1
