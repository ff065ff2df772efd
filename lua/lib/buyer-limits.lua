--[[
  Included, not a script: judging a buyer's limits and purchases for one more lead, shared by
  lua/cap-check-6.lua and lua/cap-hold-6.lua (and bought() by lua/cap-extend-6.lua).

  Uses the including script's locals:  rcall, now (ms), roll, sold ({b:<buyer>}:sold, zset
  dedup digest -> until when the buyer's purchase of it is remembered (ms)), and those of
  lib/buyer-holds.
  Defines  advance(spec, length)  bought(digest)  judge(at, price)

  LIMITS, read by judge from ARGV[at]:
           nc, nc x (window id, max count, max spend, window expiry),
           nr, nr x (spec id, length (ms), max count, max spend)        (-1: no limit)
  SOLD   = ns, ns x dedup digest: the lead was bought by this buyer within its window?
]]
--- @include "lib/buyer-holds"

-- move spec s's cursor up to now - len, taking out the events that left the window (bounded);
-- returns the cursor and whether it moved
local function advance(s, len)
  local p = 'r:' .. s
  if not cache[p .. ':c'] then
    -- a new spec starts empty: events from before it existed were never added to it, and
    -- events from now on (ts >= now) come after its cursor
    put(p .. ':c', now - 1)
    return now - 1, false
  end
  local cursor = cache[p .. ':c']
  local cutoff = now - len
  if cutoff <= cursor then return cursor, false end
  local events = rcall('ZRANGEBYSCORE', roll, '(' .. cursor, cutoff, 'WITHSCORES', 'LIMIT', 0, PURGE)
  local last = cutoff
  if #events == 2 * PURGE then
    -- stopped early: stop the cursor at the last event taken, and take the rest of its millisecond too
    last = tonumber(events[#events])
    local rest = rcall('ZRANGEBYSCORE', roll, last, last)
    local seen = {}
    for i = 1, #events, 2 do seen[events[i]] = true end
    for i = 1, #rest do
      if not seen[rest[i]] then events[#events + 1] = rest[i]; events[#events + 1] = last end
    end
  end
  for i = 1, #events, 2 do
    add(p .. ':n', -1)
    add(p .. ':s', -tonumber(string.match(events[i], '|(%d+)$')))
  end
  put(p .. ':c', last)
  return last, true
end

local function bought(digest)
  local until_ = rcall('ZSCORE', sold, digest)
  return until_ and tonumber(until_) > now
end

-- judge every limit for one more lead of `price`, LIMITS then SOLD read from ARGV[at]; returns
-- nil when there is room, then the positions of the rolling and purchase arguments and what
-- comes after them; else the refusal: {-1, window} count, {-2, window} spend, {-3} bought
local function judge(at, price)
  local nc = tonumber(ARGV[at])
  local r = at + 1 + nc * 4
  local nr = tonumber(ARGV[r])
  local fields = {}
  for i = 0, nc - 1 do
    local w = ARGV[at + 1 + i * 4]
    fields[#fields + 1] = w .. ':n'; fields[#fields + 1] = w .. ':hn'
    fields[#fields + 1] = w .. ':s'; fields[#fields + 1] = w .. ':hs'
  end
  for i = 0, nr - 1 do
    local p = 'r:' .. ARGV[r + 1 + i * 4]
    fields[#fields + 1] = p .. ':n'; fields[#fields + 1] = p .. ':s'; fields[#fields + 1] = p .. ':c'
  end
  fetch(fields)
  for i = 0, nc - 1 do
    local b = at + 1 + i * 4
    local w, maxc, maxs = ARGV[b], tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
    if maxc >= 0 and val(w .. ':n') + val(w .. ':hn') + 1 > maxc then return {-1, w} end
    if maxs >= 0 and val(w .. ':s') + val(w .. ':hs') + price > maxs then return {-2, w} end
  end
  local oldest, moved = nil, false
  for i = 0, nr - 1 do
    local b = r + 1 + i * 4
    local c, m = advance(ARGV[b], tonumber(ARGV[b + 1]))
    if not oldest or c < oldest then oldest = c end
    moved = moved or m
  end
  -- events every window has left are kept no longer
  if moved then rcall('ZREMRANGEBYSCORE', roll, '-inf', oldest) end
  for i = 0, nr - 1 do
    local b = r + 1 + i * 4
    local p, maxc, maxs = 'r:' .. ARGV[b], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
    if maxc >= 0 and val(p .. ':n') + 1 > maxc then return {-1, p} end
    if maxs >= 0 and val(p .. ':s') + price > maxs then return {-2, p} end
  end
  local sd = r + 1 + nr * 4
  local ns = tonumber(ARGV[sd])
  for i = 1, ns do
    if bought(ARGV[sd + i]) then return {-3} end
  end
  return nil, nc, r, nr, sd + 1 + ns
end
