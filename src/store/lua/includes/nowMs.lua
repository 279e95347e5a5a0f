-- Server time in ms epoch: one clock for every node and every event. A number in the tenant's
-- `clock` key (src/store/clock.ts; tests only) replaces TIME for that tenant, so tests move time
-- instead of sleeping. Every tenant key starts with the tenant's `acd:{t}:` prefix, KEYS[1] too.
--- @include "keys"
local pinnedNow
local function nowMs()
  if pinnedNow == nil then
    local prefix = string.match(KEYS[1], '^acd:{[^}]*}:')
    pinnedNow = prefix and tonumber(redis.call('GET', keys.clock(prefix))) or false
  end
  if pinnedNow then return pinnedNow end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
