--[[
  The gate a seller's request passes before anything else: its rate limit, and whether it is
  the same payload it sent within the last minute (a retry loop, not a new lead).

  KEYS[1]  seller state      {s:<seller>}:gate    hash   tat: rate limiter (GCRA theoretical arrival time, ms)
  KEYS[2]  recent payloads   {s:<seller>}:recent  zset   payload digest -> end of its window (ms)
  ARGV[1]  now (ms)
  ARGV[2]  emission interval (ms; 0: no rate limit)   ARGV[3] tolerance (ms)
  ARGV[4]  payload digest ('' : not checked)           ARGV[5] end of its window (ms)

  Returns  1 pass   -1 over the rate limit (nothing recorded)   -2 the same payload was sent within the window
]]
local rcall = redis.call
local gate, recent = KEYS[1], KEYS[2]
local now = tonumber(ARGV[1])
local interval, tolerance = tonumber(ARGV[2]), tonumber(ARGV[3])

rcall('ZREMRANGEBYSCORE', recent, '-inf', now)
local tat = nil
if interval > 0 then
  tat = math.max(tonumber(rcall('HGET', gate, 'tat')) or 0, now)
  if tat - now > tolerance then return -1 end
end
if ARGV[4] ~= '' then
  if rcall('ZSCORE', recent, ARGV[4]) then return -2 end
  rcall('ZADD', recent, ARGV[5], ARGV[4])
end
if tat then rcall('HSET', gate, 'tat', tat + interval) end
return 1
