-- POST /oauth2/token, grant_type=client_credentials, client_secret_basic.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local f = io.open(dir .. "/client.txt")
local id, secret = f:read("*l"), f:read("*l")
f:close()
local headers = {
  ["Authorization"] = "Basic " .. b64(id .. ":" .. secret),
  ["Content-Type"] = "application/x-www-form-urlencoded",
}
request = function()
  return wrk.format("POST", "/oauth2/token", headers, "grant_type=client_credentials")
end
