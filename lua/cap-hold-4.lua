--[[
  Every operation on one buyer's cap windows and holds, in one script so that each starts by
  purging expired holds the same way (bounded work per call, no background job: DESIGN
  invariant 2). All four keys share the buyer's hash slot, so this runs on Redis Cluster.

  KEYS[1]  counters hash          {b:<buyer>}:caps   fields <window>:n  committed leads
                                                            <window>:s  committed spend (micros)
                                                            <window>:hn held leads
                                                            <window>:hs held spend (micros)
  KEYS[2]  live holds, by expiry  {b:<buyer>}:holds  zset, score = expiry (ms)
  KEYS[3]  hold details           {b:<buyer>}:hold   hash, hold id -> "<price>;<window>,<window>..."
  KEYS[4]  windows, by expiry     {b:<buyer>}:wins   zset, score = when the window's counters may go

  ARGV[1]  operation: check | hold | commit | release | extend | usage
  ARGV[2]  now (ms)
  check:   ARGV[3] n, then n x (window id, max count, max spend)      (-1: no limit)
  hold:    ARGV[3] hold id, ARGV[4] expiry (ms), ARGV[5] price (micros),
           ARGV[6] n, then n x (window id, max count, max spend, window expiry (ms))
  commit:  ARGV[3] hold id    (the hold's own windows are charged, whatever the time now)
  release: ARGV[3] hold id
  extend:  ARGV[3] hold id, ARGV[4] new expiry (ms)
  usage:   ARGV[3] window id

  Returns  check:   1 room in every window, -1 a count limit is full, -2 a spend limit is full
           hold:    {1} held (also when this hold id is already held),
                    {-1, window} a count limit would be passed, {-2, window} a spend limit
           commit, release, extend:  1 done, 0 no live hold with this id (expired or unknown)
           usage:   {committed count, committed spend, held count, held spend}
]]
local rcall = redis.call
local caps, holds, details, wins = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op = ARGV[1]
local now = tonumber(ARGV[2])
local PURGE_LIMIT = 64

-- take a hold's amounts out of its windows' held counters
local function unhold(id)
  local d = rcall('HGET', details, id)
  if not d then return false end
  local sep = string.find(d, ';', 1, true)
  local price = tonumber(string.sub(d, 1, sep - 1))
  local list = string.sub(d, sep + 1)
  local windows = {}
  for w in string.gmatch(list, '[^,]+') do
    rcall('HINCRBY', caps, w .. ':hn', -1)
    rcall('HINCRBY', caps, w .. ':hs', -price)
    windows[#windows + 1] = w
  end
  rcall('HDEL', details, id)
  rcall('ZREM', holds, id)
  return price, windows
end

-- expired holds stop counting; a window's counters go once the window is over
local expired = rcall('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, PURGE_LIMIT)
for i = 1, #expired do unhold(expired[i]) end
local over = rcall('ZRANGEBYSCORE', wins, '-inf', now, 'LIMIT', 0, 8)
for i = 1, #over do
  local w = over[i]
  rcall('HDEL', caps, w .. ':n', w .. ':s', w .. ':hn', w .. ':hs')
  rcall('ZREM', wins, w)
end

local function used(w)
  local v = rcall('HMGET', caps, w .. ':n', w .. ':hn', w .. ':s', w .. ':hs')
  return (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0), (tonumber(v[3]) or 0) + (tonumber(v[4]) or 0)
end

if op == 'usage' then
  local w = ARGV[3]
  local v = rcall('HMGET', caps, w .. ':n', w .. ':s', w .. ':hn', w .. ':hs')
  return {tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0}
end

if op == 'check' then
  local n = tonumber(ARGV[3])
  for i = 0, n - 1 do
    local w = ARGV[4 + i * 3]
    local maxc, maxs = tonumber(ARGV[5 + i * 3]), tonumber(ARGV[6 + i * 3])
    local count, spend = used(w)
    if maxc >= 0 and count >= maxc then return -1 end
    if maxs >= 0 and spend >= maxs then return -2 end
  end
  return 1
end

if op == 'hold' then
  local id, expiry, price = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
  if rcall('ZSCORE', holds, id) then return {1} end
  local n = tonumber(ARGV[6])
  local ids = {}
  for i = 0, n - 1 do
    local w = ARGV[7 + i * 4]
    local maxc, maxs = tonumber(ARGV[8 + i * 4]), tonumber(ARGV[9 + i * 4])
    local count, spend = used(w)
    if maxc >= 0 and count + 1 > maxc then return {-1, w} end
    if maxs >= 0 and spend + price > maxs then return {-2, w} end
    ids[#ids + 1] = w
  end
  for i = 0, n - 1 do
    local w = ARGV[7 + i * 4]
    rcall('HINCRBY', caps, w .. ':hn', 1)
    rcall('HINCRBY', caps, w .. ':hs', price)
    -- GT still adds a window not yet listed
    rcall('ZADD', wins, 'GT', ARGV[10 + i * 4], w)
  end
  rcall('HSET', details, id, price .. ';' .. table.concat(ids, ','))
  rcall('ZADD', holds, expiry, id)
  return {1}
end

local id = ARGV[3]
if op == 'extend' then
  if not rcall('ZSCORE', holds, id) then return 0 end
  rcall('ZADD', holds, 'XX', ARGV[4], id)
  return 1
end

local price, windows = unhold(id)
if not price then return 0 end
if op == 'commit' then
  for i = 1, #windows do
    rcall('HINCRBY', caps, windows[i] .. ':n', 1)
    rcall('HINCRBY', caps, windows[i] .. ':s', price)
  end
end
return 1
