--[[
  One window's committed and held amounts for one buyer, for operators and tests, after the
  purge every cap script starts with. All keys carry the buyer's hash tag, so this runs on a Cluster.

  KEYS[1]  counters hash            {b:<buyer>}:caps    (fields: lib/buyer-counters.lua)
  KEYS[2]  live holds, by expiry    {b:<buyer>}:holds   (layouts: lib/buyer-holds.lua)
  KEYS[3]  hold details             {b:<buyer>}:hold
  KEYS[4]  calendar windows         {b:<buyer>}:wins
  KEYS[5]  rolling events           {b:<buyer>}:roll
  ARGV[1]  now (ms)
  ARGV[2]  window id (a calendar id, or r:<spec>)

  Returns  {count, spend, held count, held spend}  (rolling windows: held are inside count/spend)
]]
local rcall = redis.call
local caps, holds, details, wins, roll = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(ARGV[1])
--- @include "lib/buyer-holds"

purge()
local w = ARGV[2]
fetch({w .. ':n', w .. ':s', w .. ':hn', w .. ':hs'})
local result = {val(w .. ':n'), val(w .. ':s'), val(w .. ':hn'), val(w .. ':hs')}
flush()
return result
