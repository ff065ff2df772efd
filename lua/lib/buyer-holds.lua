--[[
  Included, not a script: a buyer's live holds and their purge, shared by lua/cap-*.lua. Every
  cap script calls purge() before anything else, so expired holds stop counting with bounded
  work per call and no background job (ARCHITECTURE.md invariant 2).

  Uses the including script's locals:  rcall, now (ms), and the buyer's keys
    caps     {b:<buyer>}:caps    counters hash (its fields: lib/buyer-counters.lua)
    holds    {b:<buyer>}:holds   zset   hold id -> expiry (ms)
    details  {b:<buyer>}:hold    hash   hold id -> "<price>;<windows>;<ts>;<specs>"
    wins     {b:<buyer>}:wins    zset   calendar window id -> when its counters may go (ms)
    roll     {b:<buyer>}:roll    zset   "<hold id>|<price>" -> when held (ms)
  Defines  PURGE (the most entries one call takes out of each set)
           unroll(id, price, ts, specs)  unhold(id, keepRolling)  purge()
]]
--- @include "lib/buyer-counters"
local PURGE = 64

-- a rolling event counts in spec s while it is after s's cursor
local function unroll(id, price, ts, specs)
  if ts == '' then return end
  rcall('ZREM', roll, id .. '|' .. price)
  local t = tonumber(ts)
  for s in string.gmatch(specs, '[^,]+') do
    local p = 'r:' .. s
    fetch({p .. ':n', p .. ':s', p .. ':c'})
    if t > val(p .. ':c') then
      add(p .. ':n', -1)
      add(p .. ':s', -price)
    end
  end
end

-- take a hold out of its calendar windows' held counters; returns price and windows, or nil
local function unhold(id, keepRolling)
  local d = rcall('HGET', details, id)
  if not d then return nil end
  local price, list, ts, specs = string.match(d, '^(%d+);([^;]*);([^;]*);(.*)$')
  price = tonumber(price)
  local windows, fields = {}, {}
  for w in string.gmatch(list, '[^,]+') do
    windows[#windows + 1] = w
    fields[#fields + 1] = w .. ':n'; fields[#fields + 1] = w .. ':s'
    fields[#fields + 1] = w .. ':hn'; fields[#fields + 1] = w .. ':hs'
  end
  fetch(fields)
  for i = 1, #windows do
    add(windows[i] .. ':hn', -1)
    add(windows[i] .. ':hs', -price)
  end
  if not keepRolling then unroll(id, price, ts, specs) end
  rcall('HDEL', details, id)
  rcall('ZREM', holds, id)
  return price, windows
end

-- a calendar window's counters go once it is over (before anything reads them);
-- expired holds stop counting
local function purge()
  local over = rcall('ZRANGEBYSCORE', wins, '-inf', now, 'LIMIT', 0, 8)
  for i = 1, #over do
    local w = over[i]
    rcall('HDEL', caps, w .. ':n', w .. ':s', w .. ':hn', w .. ':hs')
    rcall('ZREM', wins, w)
  end
  local expired = rcall('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, PURGE)
  for i = 1, #expired do unhold(expired[i], false) end
end
