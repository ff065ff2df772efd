--[[
  Every operation on one buyer's caps, holds, ping rate and purchase history, in one script so
  that each starts by purging expired holds the same way: bounded work per call, no background
  job (DESIGN invariant 2). All six keys carry the buyer's hash tag, so this runs on a Cluster.

  KEYS[1]  counters hash            {b:<buyer>}:caps
             <window>:n  <window>:s    committed leads / spend (micros) of a calendar window
             <window>:hn <window>:hs   live holds' leads / spend in it
             r:<spec>:n  r:<spec>:s    leads / spend of a rolling window (holds and sales alike)
             r:<spec>:c                rolling cursor: events at or before it have left the window
             rate:tat                  ping rate limiter (GCRA theoretical arrival time, ms)
  KEYS[2]  live holds, by expiry    {b:<buyer>}:holds   zset   hold id -> expiry (ms)
  KEYS[3]  hold details             {b:<buyer>}:hold    hash   hold id -> "<price>;<windows>;<ts>;<specs>"
  KEYS[4]  calendar windows         {b:<buyer>}:wins    zset   window id -> when its counters may go (ms)
  KEYS[5]  rolling events           {b:<buyer>}:roll    zset   "<hold id>|<price>" -> when held (ms)
  KEYS[6]  leads bought             {b:<buyer>}:sold    zset   dedup digest -> until when (ms)

  ARGV[1]  operation   ARGV[2]  now (ms)   then, by operation:
  check    ARGV[3..]  LIMITS, then SOLD, then rate: emission interval (ms, 0 = none), tolerance (ms)
  hold     ARGV[3] hold id, ARGV[4] expiry (ms), ARGV[5] price (micros), ARGV[6..] LIMITS, then SOLD
  commit   ARGV[3] hold id, ARGV[4..] pairs of (dedup digest of the lead, until when the buyer's
           purchase of it is remembered (ms)); none: nothing to remember
  release  ARGV[3] hold id
  extend   ARGV[3] hold id, ARGV[4] new expiry (ms), ARGV[5..] the lead's dedup digests, now known
  usage    ARGV[3] window id (a calendar id, or r:<spec>)

  LIMITS = nc, nc x (window id, max count, max spend, window expiry),
           nr, nr x (spec id, length (ms), max count, max spend)        (-1: no limit)
  SOLD   = ns, ns x dedup digest: the lead was bought by this buyer within its window?

  Returns  check:   {1} room, not bought, within rate; {-1, window} a count limit is full;
                    {-2, window} a spend limit is full; {-3} already sold to this buyer; {-4} ping rate
           hold:    {1} held (also when this hold id is already held); {-1, w}; {-2, w}; {-3}
           commit, release, extend:  1 done, 0 no live hold with this id (expired or unknown)
           extend also: -3 the buyer bought this lead already (the hold is released)
           usage:   {count, spend, held count, held spend}  (rolling windows: held are inside count/spend)
]]
local rcall = redis.call
local caps, holds, details, wins, roll, sold = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local op = ARGV[1]
local now = tonumber(ARGV[2])
local PURGE = 64

local function num(v) return tonumber(v) or 0 end

-- a rolling event counts in spec s while it is after s's cursor
local function unroll(id, price, ts, specs)
  if ts == '' then return end
  rcall('ZREM', roll, id .. '|' .. price)
  local t = tonumber(ts)
  for s in string.gmatch(specs, '[^,]+') do
    if t > num(rcall("HGET", caps, "r:" .. s .. ":c")) then
      rcall('HINCRBY', caps, 'r:' .. s .. ':n', -1)
      rcall('HINCRBY', caps, 'r:' .. s .. ':s', -price)
    end
  end
end

-- take a hold out of its calendar windows' held counters; returns price and windows, or nil
local function unhold(id, keepRolling)
  local d = rcall('HGET', details, id)
  if not d then return nil end
  local price, list, ts, specs = string.match(d, '^(%d+);([^;]*);([^;]*);(.*)$')
  price = tonumber(price)
  local windows = {}
  for w in string.gmatch(list, '[^,]+') do
    rcall('HINCRBY', caps, w .. ':hn', -1)
    rcall('HINCRBY', caps, w .. ':hs', -price)
    windows[#windows + 1] = w
  end
  if not keepRolling then unroll(id, price, ts, specs) end
  rcall('HDEL', details, id)
  rcall('ZREM', holds, id)
  return price, windows
end

-- expired holds stop counting; a calendar window's counters go once it is over; old sales are forgotten
local expired = rcall('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, PURGE)
for i = 1, #expired do unhold(expired[i], false) end
local over = rcall('ZRANGEBYSCORE', wins, '-inf', now, 'LIMIT', 0, 8)
for i = 1, #over do
  local w = over[i]
  rcall('HDEL', caps, w .. ':n', w .. ':s', w .. ':hn', w .. ':hs')
  rcall('ZREM', wins, w)
end
rcall('ZREMRANGEBYSCORE', sold, '-inf', now)

-- move spec s's cursor up to now - len, taking out the events that left the window (bounded)
local function advance(s, len)
  local ck = 'r:' .. s .. ':c'
  local cursor = rcall('HGET', caps, ck)
  if not cursor then
    -- a new spec starts empty: events from before it existed were never added to it, and
    -- events from now on (ts >= now) come after its cursor
    rcall('HSET', caps, ck, now - 1)
    return now - 1
  end
  local cutoff = now - len
  cursor = tonumber(cursor)
  if cutoff <= cursor then return cursor end
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
    local price = tonumber(string.match(events[i], '|(%d+)$'))
    rcall('HINCRBY', caps, 'r:' .. s .. ':n', -1)
    rcall('HINCRBY', caps, 'r:' .. s .. ':s', -price)
  end
  rcall('HSET', caps, ck, last)
  return last
end

-- judge every limit for one more lead of `price`; returns nil when there is room
local function judge(at, price)
  local nc = tonumber(ARGV[at])
  for i = 0, nc - 1 do
    local b = at + 1 + i * 4
    local w, maxc, maxs = ARGV[b], tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2])
    local v = rcall('HMGET', caps, w .. ':n', w .. ':hn', w .. ':s', w .. ':hs')
    if maxc >= 0 and num(v[1]) + num(v[2]) + 1 > maxc then return {-1, w} end
    if maxs >= 0 and num(v[3]) + num(v[4]) + price > maxs then return {-2, w} end
  end
  local r = at + 1 + nc * 4
  local nr = tonumber(ARGV[r])
  local oldest = nil
  for i = 0, nr - 1 do
    local b = r + 1 + i * 4
    local s, len = ARGV[b], tonumber(ARGV[b + 1])
    local c = advance(s, len)
    if not oldest or c < oldest then oldest = c end
  end
  -- events every window has left are kept no longer
  if oldest then rcall('ZREMRANGEBYSCORE', roll, '-inf', oldest) end
  for i = 0, nr - 1 do
    local b = r + 1 + i * 4
    local s, maxc, maxs = ARGV[b], tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
    local v = rcall('HMGET', caps, 'r:' .. s .. ':n', 'r:' .. s .. ':s')
    if maxc >= 0 and num(v[1]) + 1 > maxc then return {-1, 'r:' .. s} end
    if maxs >= 0 and num(v[2]) + price > maxs then return {-2, 'r:' .. s} end
  end
  local sd = r + 1 + nr * 4
  local ns = tonumber(ARGV[sd])
  for i = 1, ns do
    if rcall('ZSCORE', sold, ARGV[sd + i]) then return {-3} end
  end
  return nil, nc, r, nr, sd + 1 + ns
end

if op == 'check' then
  -- "one more lead at no price": a spend limit is full when nothing more fits
  local refused, _, _, _, rate = judge(3, 1)
  if refused then return refused end
  local interval, tolerance = tonumber(ARGV[rate]), tonumber(ARGV[rate + 1])
  if interval > 0 then
    local tat = math.max(num(rcall('HGET', caps, 'rate:tat')), now)
    if tat - now > tolerance then return {-4} end
    rcall('HSET', caps, 'rate:tat', tat + interval)
  end
  return {1}
end

if op == 'hold' then
  local id, expiry, price = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
  if rcall('ZSCORE', holds, id) then return {1} end
  local refused, nc, r, nr = judge(6, price)
  if refused then return refused end
  local ids = {}
  for i = 0, nc - 1 do
    local b = 7 + i * 4
    local w = ARGV[b]
    rcall('HINCRBY', caps, w .. ':hn', 1)
    rcall('HINCRBY', caps, w .. ':hs', price)
    -- GT still adds a window not yet listed
    rcall('ZADD', wins, 'GT', ARGV[b + 3], w)
    ids[#ids + 1] = w
  end
  local specs = {}
  for i = 0, nr - 1 do
    local s = ARGV[r + 1 + i * 4]
    rcall('HINCRBY', caps, 'r:' .. s .. ':n', 1)
    rcall('HINCRBY', caps, 'r:' .. s .. ':s', price)
    specs[#specs + 1] = s
  end
  local ts = ''
  if nr > 0 then
    ts = now
    rcall('ZADD', roll, now, id .. '|' .. price)
  end
  rcall('HSET', details, id, price .. ';' .. table.concat(ids, ',') .. ';' .. ts .. ';' .. table.concat(specs, ','))
  rcall('ZADD', holds, expiry, id)
  return {1}
end

if op == 'usage' then
  local w = ARGV[3]
  local v = rcall('HMGET', caps, w .. ':n', w .. ':s', w .. ':hn', w .. ':hs')
  return {num(v[1]), num(v[2]), num(v[3]), num(v[4])}
end

local id = ARGV[3]
if op == 'extend' then
  if not rcall('ZSCORE', holds, id) then return 0 end
  for i = 5, #ARGV do
    if rcall('ZSCORE', sold, ARGV[i]) then
      unhold(id, false)
      return -3
    end
  end
  rcall('ZADD', holds, 'XX', ARGV[4], id)
  return 1
end

-- a sale stays in its rolling windows; a release leaves them
local price, windows = unhold(id, op == 'commit')
if not price then return 0 end
if op == 'commit' then
  for i = 1, #windows do
    rcall('HINCRBY', caps, windows[i] .. ':n', 1)
    rcall('HINCRBY', caps, windows[i] .. ':s', price)
  end
  for i = 4, #ARGV - 1, 2 do rcall('ZADD', sold, 'GT', ARGV[i + 1], ARGV[i]) end
end
return 1
