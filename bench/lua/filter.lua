-- FILTER_KIND: username | email | co
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local n = tonumber(os.getenv("BENCH_USERS"))
local kind = os.getenv("FILTER_KIND")
request = function()
  local name = string.format("user%07d", math.random(0, n - 1))
  local f
  if kind == "email" then f = 'emails.value eq "' .. name .. '@example.com"'
  elseif kind == "co" then f = 'userName co "' .. name:sub(2) .. '"'
  else f = 'userName eq "' .. name .. '"' end
  return wrk.format("GET", "/scim/v2/Users?filter=" .. encode(f), headers)
end
