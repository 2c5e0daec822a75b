-- Pages through all users 100 at a time with cursor pagination (nextCursor), starting over at
-- the end. Connections share the walk, so it measures pages/s of a full scan.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local next_cursor = ""
request = function()
  return wrk.format("GET", "/scim/v2/Users?count=100&cursor=" .. next_cursor, headers)
end
response = function(status, _, body)
  next_cursor = body:match('"nextCursor"%s*:%s*"([^"]+)"') or ""
end
