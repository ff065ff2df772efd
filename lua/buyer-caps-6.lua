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
  check    ARGV[3] least price that can win (micros: the floor), ARGV[4..] LIMITS, then SOLD,
           then rate: emission interval (ms, 0 = none), tolerance (ms)
  hold     ARGV[3] hold id, ARGV[4] expiry (ms), ARGV[5] price (micros), ARGV[6..] LIMITS, then SOLD
  commit   ARGV[3] hold id, ARGV[4..] pairs of (dedup digest of the lead, until when the buyer's
           purchase of it is remembered (ms)); none: nothing to remember
  release  ARGV[3] hold id
  extend   ARGV[3] hold id, ARGV[4] new expiry (ms), ARGV[5..] the lead's dedup digests, now known
  usage    ARGV[3] window id (a calendar id, or r:<spec>)
  restore  ARGV[3] hold id of a committed sale (its lead id), ARGV[4] its price (micros), ARGV[5] nc,
           nc x calendar window id it counted in, then its rolling spec ids (a returned lead's
           place is given back; a window that is over is left alone)

  LIMITS = nc, nc x (window id, max count, max spend, window expiry),
           nr, nr x (spec id, length (ms), max count, max spend)        (-1: no limit)
  SOLD   = ns, ns x dedup digest: the lead was bought by this buyer within its window?

  Returns  check:   {1} room, not bought, within rate; {-1, window} a count limit is full;
                    {-2, window} a spend limit is full; {-3} already sold to this buyer; {-4} ping rate
           hold:    {1} held (also when this hold id is already held); {-1, w}; {-2, w}; {-3}
           commit, release, extend:  1 done, 0 no live hold with this id (expired or unknown)
           extend also: -3 the buyer bought this lead already (the hold is released)
           usage:   {count, spend, held count, held spend}  (rolling windows: held are inside count/spend)
           restore: 1 given back in some window, 0 in none (all over, or given back before:
                    the rolling event is gone, and a calendar window is only given back with it
                    or, with no rolling spec, while its count is above 0)
]]
local rcall = redis.call
local caps, holds, details, wins, roll, sold = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local op = ARGV[1]
local now = tonumber(ARGV[2])
local PURGE = 64

-- The counters hash is read with one HMGET and written with one HSET per call: a call costs
-- per command, so counters are cached here (false: absent) and written back once, at the end.
local cache, dirty, order = {}, {}, {}
local function fetch(fields)
  local missing = {}
  for i = 1, #fields do
    if cache[fields[i]] == nil then missing[#missing + 1] = fields[i] end
  end
  if #missing == 0 then return end
  local v = rcall('HMGET', caps, unpack(missing))
  for i = 1, #missing do cache[missing[i]] = tonumber(v[i]) or false end
end
local function val(f)
  if cache[f] == nil then fetch({f}) end
  return cache[f] or 0
end
local function put(f, x)
  cache[f] = x
  if not dirty[f] then dirty[f] = true; order[#order + 1] = f end
end
local function add(f, d) put(f, val(f) + d) end
local function flush()
  if #order == 0 then return end
  local args = {}
  for i = 1, #order do
    local x = cache[order[i]]
    args[#args + 1] = order[i]
    -- integers exactly (micros up to 2^53), the rate limiter's fractional times as they are
    args[#args + 1] = (x == math.floor(x)) and string.format('%d', x) or string.format('%.17g', x)
  end
  rcall('HSET', caps, unpack(args))
end

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
local over = rcall('ZRANGEBYSCORE', wins, '-inf', now, 'LIMIT', 0, 8)
for i = 1, #over do
  local w = over[i]
  rcall('HDEL', caps, w .. ':n', w .. ':s', w .. ':hn', w .. ':hs')
  rcall('ZREM', wins, w)
end
local expired = rcall('ZRANGEBYSCORE', holds, '-inf', now, 'LIMIT', 0, PURGE)
for i = 1, #expired do unhold(expired[i], false) end

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

-- judge every limit for one more lead of `price`; returns nil when there is room, then the
-- positions of the rolling and purchase arguments and what comes after them
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

local result
if op == 'check' then
  -- one more lead at the least price that can win: a budget with less left is full
  local refused, _, _, _, rate = judge(4, tonumber(ARGV[3]))
  if refused then
    result = refused
  else
    local interval, tolerance = tonumber(ARGV[rate]), tonumber(ARGV[rate + 1])
    result = {1}
    if interval > 0 then
      local tat = math.max(val('rate:tat'), now)
      if tat - now > tolerance then result = {-4} else put('rate:tat', tat + interval) end
    end
  end
elseif op == 'hold' then
  local id, expiry, price = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
  if rcall('ZSCORE', holds, id) then
    result = {1}
  else
    local refused, nc, r, nr = judge(6, price)
    if refused then
      result = refused
    else
      local ids, specs = {}, {}
      for i = 0, nc - 1 do
        local b = 7 + i * 4
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
elseif op == 'usage' then
  local w = ARGV[3]
  fetch({w .. ':n', w .. ':s', w .. ':hn', w .. ':hs'})
  result = {val(w .. ':n'), val(w .. ':s'), val(w .. ':hn'), val(w .. ':hs')}
elseif op == 'restore' then
  local id, price, nc = ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
  local member = id .. '|' .. ARGV[4]
  local specs = {}
  for i = 6 + nc, #ARGV do specs[#specs + 1] = ARGV[i] end
  local ts = rcall('ZSCORE', roll, member)
  result = 0
  -- with rolling specs, the sale's rolling event is the proof it was not given back yet
  if #specs == 0 or ts then
    for i = 6, 5 + nc do
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
elseif op == 'extend' then
  local id = ARGV[3]
  if not rcall('ZSCORE', holds, id) then
    result = 0
  else
    result = 1
    for i = 5, #ARGV do
      if bought(ARGV[i]) then
        unhold(id, false)
        result = -3
        break
      end
    end
    if result == 1 then rcall('ZADD', holds, 'XX', ARGV[4], id) end
  end
else
  -- commit or release: a sale stays in its rolling windows; a release leaves them
  local price, windows = unhold(ARGV[3], op == 'commit')
  if not price then
    result = 0
  else
    if op == 'commit' then
      for i = 1, #windows do
        add(windows[i] .. ':n', 1)
        add(windows[i] .. ':s', price)
      end
      -- purchases past their window are forgotten here, where new ones are written
      rcall('ZREMRANGEBYSCORE', sold, '-inf', now)
      for i = 4, #ARGV - 1, 2 do rcall('ZADD', sold, 'GT', ARGV[i + 1], ARGV[i]) end
    end
    result = 1
  end
end
flush()
return result
