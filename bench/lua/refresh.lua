-- POST /oauth2/token, grant_type=refresh_token (client_secret_basic) for a user in 50 groups;
-- the scope includes `groups`, so every answer carries a new ID token with the groups claim.
-- Refresh tokens rotate: each answer's new token goes back into the pool for a later request.
-- The pool holds more token families than wrk has connections, so it never runs dry.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local f = io.open(dir .. "/client.txt")
local id, secret = f:read("*l"), f:read("*l")
f:close()
-- REFRESH_FILE=refresh_roles.txt: tokens of the same user with scope `roles` as well.
local pool = lines(os.getenv("REFRESH_FILE") or "refresh.txt")
local headers = {
  ["Authorization"] = "Basic " .. b64(id .. ":" .. secret),
  ["Content-Type"] = "application/x-www-form-urlencoded",
}
request = function()
  -- An empty pool (only after failures, which wrk counts) sends a token the server refuses.
  local t = table.remove(pool, 1) or "exhausted"
  return wrk.format("POST", "/oauth2/token", headers, "grant_type=refresh_token&refresh_token=" .. t)
end
-- The new token is found with a plain search from the end of the body, where Scimitar puts it:
-- a Lua pattern scanned the whole body from its start, and with 14 KB of roles in the tokens
-- wrk (on the same cores) spent more CPU than the server it measures.
local key = '"refresh_token":"'
response = function(status, _, body)
  local from = #body - 200
  if from < 1 then from = 1 end
  local s, e = body:find(key, from, true)
  if not s then s, e = body:find(key, 1, true) end
  if e then
    local stop = body:find('"', e + 1, true)
    if stop then pool[#pool + 1] = body:sub(e + 1, stop - 1) end
  end
end
