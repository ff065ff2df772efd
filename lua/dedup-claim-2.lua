--[[
  Claim a lead's identifiers for a dedup scope, atomically: of two twins that arrive together,
  on any Gavel process, exactly one gets 1. All digests of one scope live in one hash slot
  ({d:<scope>}), so "match ANY identifier" is judged and claimed in one step, on a Cluster too.
  Digests are keyed hashes (HMAC) of normalised identifiers: nothing is stored in clear.

  KEYS[1]  owners        {d:<scope>}:owner   hash   digest -> owner (the ping or lead id)
  KEYS[2]  expiries      {d:<scope>}:until   zset   digest -> end of its window (ms)
  ARGV[1]  now (ms)   ARGV[2] owner   ARGV[3] end of the window for a new claim (ms)
  ARGV[4..] digests: one for a rule matching ALL fields, one per field for ANY

  Returns  1  claimed now, or already held by this same owner (a post after its own ping)
           0  another owner holds one of the digests within its window: a duplicate
]]
local rcall = redis.call
local owners, untils = KEYS[1], KEYS[2]
local now, owner = tonumber(ARGV[1]), ARGV[2]

-- windows that ended free their digests: bounded work per call
local gone = rcall('ZRANGEBYSCORE', untils, '-inf', now, 'LIMIT', 0, 64)
for i = 1, #gone do
  rcall('HDEL', owners, gone[i])
  rcall('ZREM', untils, gone[i])
end

for i = 4, #ARGV do
  local o = rcall('HGET', owners, ARGV[i])
  if o and o ~= owner then
    local u = tonumber(rcall('ZSCORE', untils, ARGV[i]))
    if u and u > now then return 0 end
  end
end
for i = 4, #ARGV do
  if rcall('HGET', owners, ARGV[i]) ~= owner then
    rcall('HSET', owners, ARGV[i], owner)
    rcall('ZADD', untils, ARGV[3], ARGV[i])
  end
end
return 1
