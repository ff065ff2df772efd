--[[
  Record a post outcome (or a return) in a buyer's decayed accept counts, under the lead's
  grade and under "*" (all grades). Each field is decayed to now before it is added to: every
  half-life, what was seen before counts half. src/store/accept-record.ts does the same
  arithmetic for the memory store and for readers.

  KEYS[1]  {b:<buyer>}:accept   hash: grade -> "<accepts> <posts> <at ms>"
  ARGV[1]  now (wall-clock ms)
  ARGV[2]  half-life (ms)
  ARGV[3]  outcome: 1 accepted, 0 rejected, -1 returned (takes an accept back; not a post)
  ARGV[4…] the fields to update: the lead's grade, if it had one, and "*"

  Returns  the number of fields updated
]]
local now = tonumber(ARGV[1])
local half = tonumber(ARGV[2])
local outcome = tonumber(ARGV[3])
for i = 4, #ARGV do
  local a, n, at = 0, 0, now
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  if cur then
    local sa, sn, st = string.match(cur, '^(%S+) (%S+) (%S+)$')
    a, n, at = tonumber(sa) or 0, tonumber(sn) or 0, tonumber(st) or now
  end
  if now > at then
    local f = 2 ^ (-(now - at) / half)
    a, n, at = a * f, n * f, now
  end
  if outcome == 1 then
    a, n = a + 1, n + 1
  elseif outcome == 0 then
    n = n + 1
  else
    a = math.max(0, a - 1)
  end
  redis.call('HSET', KEYS[1], ARGV[i], string.format('%.17g %.17g %d', a, n, at))
end
-- after 40 half-lives a record weighs under 1e-12: let it go
redis.call('PEXPIRE', KEYS[1], math.floor(half * 40))
return #ARGV - 3
