dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local ids = lines("users.txt")
request = function()
  return wrk.format("GET", "/scim/v2/Users/" .. ids[math.random(#ids)], headers)
end
