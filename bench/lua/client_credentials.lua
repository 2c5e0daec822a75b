-- POST /oauth2/token, grant_type=client_credentials, client_secret_basic.
local dir = os.getenv("BENCH_DIR")
local f = io.open(dir .. "/client.txt")
local id, secret = f:read("*l"), f:read("*l")
f:close()
local function b64(data)
  local chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end
local headers = {
  ["Authorization"] = "Basic " .. b64(id .. ":" .. secret),
  ["Content-Type"] = "application/x-www-form-urlencoded",
}
request = function()
  return wrk.format("POST", "/oauth2/token", headers, "grant_type=client_credentials")
end
