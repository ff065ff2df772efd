--[[
  Whose turn it is in a round_robin or weighted tier, shared by every Gavel process: smooth
  weighted round robin over the buyers that bid. Each candidate's current weight grows by its
  weight; the highest takes the turn and gives back the candidates' total. Over many leads each
  buyer takes weight/total of the turns, spread evenly (3:1 gives a a b a, not a a a b).
  Buyers that did not bid keep their current weight, so a buyer is not owed turns for leads it
  passed on.

  KEYS[1]  {t:<campaign>:<tier>}:turn   hash: buyer -> current weight
  ARGV     buyer id, weight, buyer id, weight, … : the candidates, in the tier's order

  Returns  the candidates in turn order: the one whose turn it is, then the others by current
           weight, highest first (the order the lead falls through them), ties in the tier's order
]]
local n = #ARGV / 2
local ids, weights = {}, {}
for i = 1, n do
  ids[i] = ARGV[2 * i - 1]
  weights[i] = tonumber(ARGV[2 * i])
end
local stored = redis.call('HMGET', KEYS[1], unpack(ids))
local current, total = {}, 0
for i = 1, n do
  current[i] = (tonumber(stored[i]) or 0) + weights[i]
  total = total + weights[i]
end
local best = 1
for i = 2, n do
  if current[i] > current[best] then best = i end
end
current[best] = current[best] - total
local flat = {}
for i = 1, n do
  flat[#flat + 1] = ids[i]
  flat[#flat + 1] = current[i]
end
redis.call('HSET', KEYS[1], unpack(flat))
local order = {}
for i = 1, n do order[i] = i end
table.sort(order, function(a, b)
  if a == best or b == best then return a == best end
  if current[a] ~= current[b] then return current[a] > current[b] end
  return a < b
end)
local out = {}
for i = 1, n do out[i] = ids[order[i]] end
return out
