dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local gid = group(os.getenv("GROUP"))
request = function()
  return wrk.format("GET", "/scim/v2/Groups/" .. gid, headers)
end
