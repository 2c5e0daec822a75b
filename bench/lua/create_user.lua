dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local counter = 0
math.randomseed(os.time() + math.floor(os.clock() * 1e6))
local tag = tostring(math.random(1, 1e9))
request = function()
  counter = counter + 1
  local body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"new-' .. tag .. '-' .. counter ..
    '","emails":[{"value":"new-' .. tag .. '-' .. counter .. '@example.com","type":"work"}]}'
  return wrk.format("POST", "/scim/v2/Users", headers, body)
end
