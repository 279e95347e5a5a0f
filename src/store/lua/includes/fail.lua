-- Error reply mapped to AcdError by the TypeScript wrapper: "ACD <code> <detail>".
-- Scripts fail before their first write, so a failed command changes nothing.
local function fail(code, detail)
  return redis.error_reply('ACD ' .. code .. ' ' .. detail)
end

-- True when `value` is one of the comma-separated `list`.
local function oneOf(value, list)
  for item in string.gmatch(list, '[^,]+') do
    if item == value then return true end
  end
  return false
end
