--[[
  Push a live hold's expiry out (its post has started), unless the buyer has bought the lead
  since the ping (digests the ping could not know): then the hold is released. Expired holds
  are purged first. All keys carry the buyer's hash tag, so this runs on a Cluster.

  KEYS[1]  counters hash            {b:<buyer>}:caps    (fields: lib/buyer-counters.lua)
  KEYS[2]  live holds, by expiry    {b:<buyer>}:holds   (layouts: lib/buyer-holds.lua)
  KEYS[3]  hold details             {b:<buyer>}:hold
  KEYS[4]  calendar windows         {b:<buyer>}:wins
  KEYS[5]  rolling events           {b:<buyer>}:roll
  KEYS[6]  leads bought             {b:<buyer>}:sold    (layout: lib/buyer-limits.lua)
  ARGV[1]  now (ms)
  ARGV[2]  hold id
  ARGV[3]  new expiry (ms)
  ARGV[4…] the lead's dedup digests, now known

  Returns  1   extended
           0   no live hold with this id (expired or unknown)
          -3   the buyer bought this lead already: the hold is released
]]
local rcall = redis.call
local caps, holds, details, wins, roll, sold = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local now = tonumber(ARGV[1])
--- @include "lib/buyer-limits"

purge()
local result
local id = ARGV[2]
if not rcall('ZSCORE', holds, id) then
  result = 0
else
  result = 1
  for i = 4, #ARGV do
    if bought(ARGV[i]) then
      unhold(id, false)
      result = -3
      break
    end
  end
  if result == 1 then rcall('ZADD', holds, 'XX', ARGV[3], id) end
end
flush()
return result
