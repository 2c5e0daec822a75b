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

function encode(s)
  return (s:gsub("[^%w%-_.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

-- Fail loudly: non-2xx answers are counted by wrk as errors ("Non-2xx or 3xx responses").
