--[[
  Included, not a script: the cache of one buyer's counters hash, shared by lua/cap-*.lua.
  The hash is read with one HMGET and written with one HSET per call: a call costs per command,
  so counters are cached here (false: absent) and written back once, by flush(), at the end.

  Uses the including script's locals:  rcall = redis.call,  caps = the counters hash key:
    {b:<buyer>}:caps
      <window>:n  <window>:s    committed leads / spend (micros) of a calendar window
      <window>:hn <window>:hs   live holds' leads / spend in it
      r:<spec>:n  r:<spec>:s    leads / spend of a rolling window (holds and sales alike)
      r:<spec>:c                rolling cursor: events at or before it have left the window
      rate:tat                  ping rate limiter (GCRA theoretical arrival time, ms)
  Defines  fetch(fields)  val(field)  put(field, x)  add(field, delta)  flush()
]]
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
