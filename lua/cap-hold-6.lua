--[[
  Hold one lead and its price against every cap window of one buyer, atomically: every window
  is judged, then the hold counts in all of them until it is committed, released or expires.
  Expired holds are purged first. All keys carry the buyer's hash tag, so this runs on a Cluster.

  KEYS[1]  counters hash            {b:<buyer>}:caps    (fields: lib/buyer-counters.lua)
  KEYS[2]  live holds, by expiry    {b:<buyer>}:holds   (layouts: lib/buyer-holds.lua)
  KEYS[3]  hold details             {b:<buyer>}:hold
  KEYS[4]  calendar windows         {b:<buyer>}:wins
  KEYS[5]  rolling events           {b:<buyer>}:roll
  KEYS[6]  leads bought             {b:<buyer>}:sold    (layout: lib/buyer-limits.lua)
  ARGV[1]  now (ms)
  ARGV[2]  hold id
  ARGV[3]  expiry (ms)
  ARGV[4]  price (micros)
  ARGV[5…] LIMITS, then SOLD (lib/buyer-limits.lua)

  Returns  {1}          held (also when this hold id is already held)
           {-1, window} a count limit is full
           {-2, window} a spend limit is full
           {-3}         already sold to this buyer
]]
local rcall = redis.call
local caps, holds, details, wins, roll, sold = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local now = tonumber(ARGV[1])
--- @include "lib/buyer-limits"

purge()
local result
local id, expiry, price = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local at = 5
if rcall('ZSCORE', holds, id) then
  result = {1}
else
  local refused, nc, r, nr = judge(at, price)
  if refused then
    result = refused
  else
    local ids, specs = {}, {}
    for i = 0, nc - 1 do
      local b = at + 1 + i * 4
      local w = ARGV[b]
      -- a window seen for the first time is listed for expiry; its expiry never changes
      if not (cache[w .. ':n'] or cache[w .. ':hn'] or cache[w .. ':s'] or cache[w .. ':hs']) then
        rcall('ZADD', wins, ARGV[b + 3], w)
      end
      add(w .. ':hn', 1)
      add(w .. ':hs', price)
      ids[#ids + 1] = w
    end
    for i = 0, nr - 1 do
      local s = ARGV[r + 1 + i * 4]
      add('r:' .. s .. ':n', 1)
      add('r:' .. s .. ':s', price)
      specs[#specs + 1] = s
    end
    local ts = ''
    if nr > 0 then
      -- another process's clock (or its round trip) may put `now` at or before a cursor
      -- this buyer already has: an event there would never be taken out again, so it is
      -- recorded just after every cursor of its windows
      ts = now
      for i = 0, nr - 1 do
        local c = val('r:' .. ARGV[r + 1 + i * 4] .. ':c')
        if ts <= c then ts = c + 1 end
      end
      rcall('ZADD', roll, ts, id .. '|' .. price)
    end
    rcall('HSET', details, id, price .. ';' .. table.concat(ids, ',') .. ';' .. ts .. ';' .. table.concat(specs, ','))
    rcall('ZADD', holds, expiry, id)
    result = {1}
  end
end
flush()
return result
