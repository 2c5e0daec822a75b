dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local n = tonumber(os.getenv("BENCH_USERS"))
request = function()
  local start = math.random(1, math.max(1, n - 100))
  return wrk.format("GET", "/scim/v2/Users?count=100&startIndex=" .. start, headers)
end
