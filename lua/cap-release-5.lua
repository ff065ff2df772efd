--[[
  The buyer rejected (or the lead went elsewhere): a hold stops counting, in its calendar and
  its rolling windows. Expired holds are purged first. All keys carry the buyer's hash tag, so
  this runs on a Cluster.

  KEYS[1]  counters hash            {b:<buyer>}:caps    (fields: lib/buyer-counters.lua)
  KEYS[2]  live holds, by expiry    {b:<buyer>}:holds   (layouts: lib/buyer-holds.lua)
  KEYS[3]  hold details             {b:<buyer>}:hold
  KEYS[4]  calendar windows         {b:<buyer>}:wins
  KEYS[5]  rolling events           {b:<buyer>}:roll
  ARGV[1]  now (ms)
  ARGV[2]  hold id

  Returns  1   released
           0   no live hold with this id (expired or unknown)
]]
local rcall = redis.call
local caps, holds, details, wins, roll = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(ARGV[1])
--- @include "lib/buyer-holds"

purge()
local result = unhold(ARGV[2], false) and 1 or 0
flush()
return result
