--- @include "keys"
--- @include "agentStatus"

-- A call being offered holds its agent legs in `call:<id>:offers` (agent channel → agent id):
-- one leg for most strategies, several for ringall / ring-progressively. The call hash's
-- agentId / agentChannel name one of them (the first, then the one that answered).

-- Ends every offer of the call but `except`: channel index entries removed, agents back to
-- ready. Returns the released agent channels (the engine hangs them up).
local function releaseOffers(prefix, chanKey, eventsKey, callId, except, now)
  local offersKey = keys.callOffers(prefix, callId)
  local offers = redis.call('HGETALL', offersKey)
  local released = {}
  for i = 1, #offers, 2 do
    if offers[i] ~= except then
      redis.call('HDEL', chanKey, offers[i])
      moveCallAgent(prefix, eventsKey, offers[i + 1], callId, 'ready', '', now)
      released[#released + 1] = offers[i]
    end
  end
  redis.call('DEL', offersKey)
  return released
end
