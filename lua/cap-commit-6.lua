--[[
  The buyer accepted: a hold becomes committed usage in the calendar windows it was taken in
  (even when a window boundary passed since), stays in its rolling windows, and the buyer
  remembers the lead's digests. Expired holds are purged first. All keys carry the buyer's hash
  tag, so this runs on a Cluster.

  KEYS[1]  counters hash            {b:<buyer>}:caps    (fields: lib/buyer-counters.lua)
  KEYS[2]  live holds, by expiry    {b:<buyer>}:holds   (layouts: lib/buyer-holds.lua)
  KEYS[3]  hold details             {b:<buyer>}:hold
  KEYS[4]  calendar windows         {b:<buyer>}:wins
  KEYS[5]  rolling events           {b:<buyer>}:roll
  KEYS[6]  leads bought             {b:<buyer>}:sold    (layout: lib/buyer-limits.lua)
  ARGV[1]  now (ms)
  ARGV[2]  hold id
  ARGV[3…] pairs of (dedup digest of the lead, until when the buyer's purchase of it is
           remembered (ms)); none: nothing to remember

  Returns  1   committed
           0   no live hold with this id (expired or unknown)
]]
local rcall = redis.call
local caps, holds, details, wins, roll, sold = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local now = tonumber(ARGV[1])
--- @include "lib/buyer-holds"

purge()
local result = 0
-- a sale stays in its rolling windows
local price, windows = unhold(ARGV[2], true)
if price then
  for i = 1, #windows do
    add(windows[i] .. ':n', 1)
    add(windows[i] .. ':s', price)
  end
  -- purchases past their window are forgotten here, where new ones are written
  rcall('ZREMRANGEBYSCORE', sold, '-inf', now)
  for i = 3, #ARGV - 1, 2 do rcall('ZADD', sold, 'GT', ARGV[i + 1], ARGV[i]) end
  result = 1
end
flush()
return result
