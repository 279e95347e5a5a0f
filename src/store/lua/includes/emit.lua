-- Appends one AcdEvent (a table with `type` and `ts`) to the tenant's capped event stream,
-- in the same script as the change it reports.
local function emit(eventsKey, event)
  redis.call('XADD', eventsKey, 'MAXLEN', '~', 100000, '*', 'e', cjson.encode(event))
end
