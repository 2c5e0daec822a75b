-- Shared by the scenarios: the token, and ids read once per thread.
token = os.getenv("BENCH_TOKEN")
dir = os.getenv("BENCH_DIR")
headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/scim+json" }

function lines(name)
  local t = {}
  for l in io.lines(dir .. "/" .. name) do t[#t + 1] = l end
  return t
end

function group(name)
  for l in io.lines(dir .. "/groups.txt") do
    local k, v = l:match("(%S+) (%S+)")
    if k == name then return v end
  end
end

function b64(data)
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

function encode(s)
  return (s:gsub("[^%w%-_.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- Fail loudly: non-2xx answers are counted by wrk as errors ("Non-2xx or 3xx responses").
