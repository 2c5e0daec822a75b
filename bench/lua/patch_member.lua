-- Alternately adds and removes one member of GROUP (big | small); members come from spare.txt.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local gid = group(os.getenv("GROUP"))
local spare = lines("spare.txt")
local i = 0
request = function()
  i = i + 1
  local u = spare[math.floor((i - 1) / 2) % #spare + 1]
  local op
  if i % 2 == 1 then op = '{"op":"add","path":"members","value":[{"value":"' .. u .. '"}]}'
  else op = '{"op":"remove","path":"members[value eq \\"' .. u .. '\\"]"}' end
  local body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[' .. op .. ']}'
  return wrk.format("PATCH", "/scim/v2/Groups/" .. gid, headers, body)
end
