--- @include "keys"
--- @include "queueCounts"

-- Caller-experience rules read from a queue's definition (the `def` JSON the queue hash keeps).
-- Member checks cost O(members) and run only at exit decisions (join, leave-when-empty,
-- estimated wait), never in routing.

-- The queue's definition as a table ({} when the queue has none).
local function queueDef(queueKey)
  local def = redis.call('HGET', queueKey, 'def')
  if not def then return {} end
  return cjson.decode(def)
end

-- Which empty-rule condition an agent status matches (ready matches none).
local CONDITION_OF = { logged_out = 'unavailable', not_ready = 'paused', reserved = 'inuse', ringing = 'inuse',
  busy = 'inuse', after_call_work = 'wrapup' }

-- True when no member of the queue escapes every listed condition (app_queue's joinempty /
-- leavewhenempty). An empty or missing list never makes a queue empty.
local function queueIsEmpty(prefix, queueKey, conditions)
  if type(conditions) ~= 'table' or #conditions == 0 then return false end
  local listed = {}
  for _, c in ipairs(conditions) do listed[c] = true end
  for _, agentId in ipairs(redis.call('HKEYS', queueKey .. ':members')) do
    local status = redis.call('HGET', keys.agent(prefix, agentId), 'status') or 'logged_out'
    local condition = CONDITION_OF[status]
    if not condition or not listed[condition] then return false end
  end
  -- Members paused in this queue (QueuePause, pauseMember-2.lua) are kept aside: 'paused' too,
  -- unless logged out.
  for _, agentId in ipairs(redis.call('HKEYS', queueKey .. ':paused')) do
    local status = redis.call('HGET', keys.agent(prefix, agentId), 'status') or 'logged_out'
    if not listed[CONDITION_OF[status] == 'unavailable' and 'unavailable' or 'paused'] then return false end
  end
  return true
end

-- Why a new caller may not join (nil when it may): 'FULL' or 'JOINEMPTY'.
local function joinRefusal(prefix, queueKey, waitingKey, def)
  local maxLen = tonumber(def.maxLen) or 0
  if maxLen > 0 and redis.call('ZCARD', waitingKey) >= maxLen then return 'FULL' end
  if queueIsEmpty(prefix, queueKey, def.joinEmpty) then return 'JOINEMPTY' end
  return nil
end

-- Estimated wait of the caller at `position` (1-based), in ms: the queue's moving average handle
-- time (or the configured default before any call completed) times the callers up to this one,
-- shared by the staffed members (logged in and not paused). 0 when enough members are ready now.
-- `accepts(agentId, agentKey)` (optional) keeps only the members that can take this caller
-- (per skill set: see waitInfo-1.lua); that walks the members, the plain estimate reads the
-- queue's counters (members in a busy/reject back-off count as ready there).
local function estimateWaitMs(prefix, queueKey, position, def, now, accepts)
  local staffed, ready = 0, 0
  if accepts then
    for _, agentId in ipairs(redis.call('HKEYS', queueKey .. ':members')) do
      local agentKey = keys.agent(prefix, agentId)
      local a = redis.call('HMGET', agentKey, 'status', 'availableAt')
      if a[1] and a[1] ~= 'logged_out' and a[1] ~= 'not_ready' and accepts(agentId, agentKey) then
        staffed = staffed + 1
        if a[1] == 'ready' and (tonumber(a[2] or '') or 0) <= now then ready = ready + 1 end
      end
    end
  else
    -- O(1): the counters the status and membership scripts keep (queueCounts.lua).
    staffed, ready = queueCounts(queueKey)
  end
  if ready >= position then return 0 end
  local aht = tonumber(redis.call('HGET', queueKey .. ':stats', 'ahtMs') or '') or (tonumber(def.defaultHandleS) or 0) * 1000
  return math.floor(aht * position / math.max(staffed, 1))
end
