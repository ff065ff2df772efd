--[[
  A returned lead's place given back in its buyer's caps: its committed sale leaves the calendar
  windows it counted in that are not over yet, and its rolling windows. Expired holds are
  purged first. All keys carry the buyer's hash tag, so this runs on a Cluster.

  KEYS[1]  counters hash            {b:<buyer>}:caps    (fields: lib/buyer-counters.lua)
  KEYS[2]  live holds, by expiry    {b:<buyer>}:holds   (layouts: lib/buyer-holds.lua)
  KEYS[3]  hold details             {b:<buyer>}:hold
  KEYS[4]  calendar windows         {b:<buyer>}:wins
  KEYS[5]  rolling events           {b:<buyer>}:roll
  ARGV[1]  now (ms)
  ARGV[2]  hold id of the committed sale (its lead id)
  ARGV[3]  its price (micros)
  ARGV[4]  nc
  ARGV[5…] nc x calendar window id it counted in, then its rolling spec ids

  Returns  1   given back in some window
           0   in none: all over, or given back before (the rolling event is gone, and a
               calendar window is only given back with it or, with no rolling spec, while
               its count is above 0)
]]
local rcall = redis.call
local caps, holds, details, wins, roll = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now = tonumber(ARGV[1])
--- @include "lib/buyer-holds"

purge()
local id, price, nc = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local member = id .. '|' .. ARGV[3]
local specs = {}
for i = 5 + nc, #ARGV do specs[#specs + 1] = ARGV[i] end
local ts = rcall('ZSCORE', roll, member)
local result = 0
-- with rolling specs, the sale's rolling event is the proof it was not given back yet
if #specs == 0 or ts then
  for i = 5, 4 + nc do
    local w = ARGV[i]
    if rcall('ZSCORE', wins, w) and val(w .. ':n') > 0 then
      add(w .. ':n', -1)
      add(w .. ':s', -math.min(price, val(w .. ':s')))
      result = 1
    end
  end
  if ts then
    unroll(id, price, ts, table.concat(specs, ','))
    result = 1
  end
end
flush()
return result
