--[[
  A control call ended: its record goes and its agent, if still busy on it, enters after-call
  work for the agent's wrap-up override or else ARGV[3] seconds (ready at once when 0).
  Idempotent: an unknown id returns nil.

  KEYS[1] control call hash   acd:{t}:cc:<id>
  KEYS[2] control call set    acd:{t}:ccs
  KEYS[3] event stream        acd:{t}:events

  ARGV[1] key prefix acd:{t}: (the agent and its idle sets are built from it; same hash tag)
  ARGV[2] control call id
  ARGV[3] default wrap-up seconds

  Returns {record HGETALL, agentId, version, wrapupS} (version 0 when the agent had moved on), nil when unknown.
]]
--- @include "nowMs"
--- @include "emit"
--- @include "wrapUp"

local prefix, id = ARGV[1], ARGV[2]
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return nil end
local rec = {}
for i = 1, #flat, 2 do rec[flat[i]] = flat[i + 1] end
local now = nowMs()
local version, wrapupS = wrapUp(prefix, KEYS[3], rec.agentId, id, ARGV[3], now)
emit(KEYS[3], { type = 'CallControl', ts = now, callId = id, agentId = rec.agentId, action = rec.kind or '', step = 'ended', by = 'system' })
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], id)
return { flat, rec.agentId, version or 0, wrapupS }
