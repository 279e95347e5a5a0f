--[[
  Routing decision triggered by a queue (a caller joined, an offer failed, a wait rule is due):
  see routeQueue.lua. Cost: distinct requirement sets waiting × non-empty pools of the queue;
  never a scan of agents or callers.

  KEYS[1] queue hash          acd:{t}:queue:<queue>
  KEYS[2] waiting zset        acd:{t}:queue:<queue>:waiting
  KEYS[3] channel index       acd:{t}:chan
  KEYS[4] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (calls, agents, pools are built from it; legal because every key
          of the tenant shares the {t} hash tag)
  ARGV[2] queue id
  ARGV[3] agent channel id for the offer (ringall: further offers get "<id>-2", "<id>-3", ...)

  Returns {waitingLeft, assignment...} (see reserve.lua; several for ringall; waitingLeft = callers
  still waiting in the queue, so the router knows whether to ask again), or {retryAt}: no offer
  possible now; retryAt = ms epoch at which a waiting caller's rules relax (0 = none).
]]
--- @include "nowMs"
--- @include "routeQueue"

if redis.call('EXISTS', KEYS[1]) == 0 then return { 0 } end
return routeQueue(ARGV[1], ARGV[2], ARGV[3], KEYS[2], KEYS[3], KEYS[4], nowMs())
