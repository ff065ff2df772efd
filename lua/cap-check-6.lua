--[[
  May this buyer be pinged: room in every cap window for one more lead at the least price that
  can win (a budget with less left cannot buy anything), not bought this lead already, within
  its ping rate (a ping that passes is counted). Expired holds are purged first. All keys
  carry the buyer's hash tag, so this runs on a Cluster.

  KEYS[1]  counters hash            {b:<buyer>}:caps    (fields: lib/buyer-counters.lua)
  KEYS[2]  live holds, by expiry    {b:<buyer>}:holds   (layouts: lib/buyer-holds.lua)
  KEYS[3]  hold details             {b:<buyer>}:hold
  KEYS[4]  calendar windows         {b:<buyer>}:wins
  KEYS[5]  rolling events           {b:<buyer>}:roll
  KEYS[6]  leads bought             {b:<buyer>}:sold    (layout: lib/buyer-limits.lua)
  ARGV[1]  now (ms)
  ARGV[2]  least price that can win (micros: the floor)
  ARGV[3…] LIMITS, then SOLD (lib/buyer-limits.lua), then the ping rate:
           emission interval (ms, 0 = none), tolerance (ms)

  Returns  {1}          room, not bought, within the rate
           {-1, window} a count limit is full
           {-2, window} a spend limit is full
           {-3}         already sold to this buyer
           {-4}         over the ping rate
]]
local rcall = redis.call
local caps, holds, details, wins, roll, sold = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local now = tonumber(ARGV[1])
--- @include "lib/buyer-limits"

purge()
local result
local refused, _, _, _, rate = judge(3, tonumber(ARGV[2]))
if refused then
  result = refused
else
  local interval, tolerance = tonumber(ARGV[rate]), tonumber(ARGV[rate + 1])
  result = {1}
  if interval > 0 then
    local tat = math.max(val('rate:tat'), now)
    if tat - now > tolerance then result = {-4} else put('rate:tat', tat + interval) end
  end
end
flush()
return result
