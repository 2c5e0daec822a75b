-- The admin console as a browser uses it, signed in with the session cookie the seed made:
--   PAGE=group_users: the first page of the big group's Users tab (50 members of BIG_GROUP
--     members, with last sign-in and last access per application);
--   PAGE=user_search / group_search: a search-as-you-type answer (the rows fragment htmx
--     fetches) for a 3-character fragment of a user name / group name, varied per request.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local cookie = lines("console_cookie.txt")[1]
local page = os.getenv("PAGE")
local gid = group("big")
local h = { ["Cookie"] = cookie }
local n = 0
request = function()
  n = n + 1
  if page == "group_users" then
    return wrk.format("GET", "/console/groups/" .. gid .. "?tab=users", h)
  elseif page == "user_search" then
    -- seeded user names are user0000042: three digits match about one user in a thousand.
    return wrk.format("GET", "/console/users/rows?q=" .. string.format("%03d", n % 1000), h)
  else
    return wrk.format("GET", "/console/groups/rows?q=" .. string.format("%02d", n % 100), h)
  end
end
