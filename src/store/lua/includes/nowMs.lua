-- Server time in ms epoch: one clock for every node and every event. A number in the tenant's
-- `clock` key (src/store/clock.ts; tests only) replaces TIME for that tenant, so tests move time
-- instead of sleeping. Every tenant key starts with the tenant's `acd:{t}:` prefix, KEYS[1] too.
--- @include "keys"
local pinnedNow
-- A new call of a script (as a Redis function, whose includes outlive the call) starts without a time.
local function resetNowMs() pinnedNow = nil end
local function nowMs()
  if pinnedNow == nil then
    local prefix = string.match(KEYS[1], '^acd:{[^}]*}:')
    pinnedNow = prefix and tonumber(redis.call('GET', keys.clock(prefix))) or false
  end
  if pinnedNow then return pinnedNow end
  -- One instant for the whole script (it is atomic): TIME once, not at every event it appends.
  local t = redis.call('TIME')
  pinnedNow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  return pinnedNow
end
