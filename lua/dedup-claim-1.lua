--[[
  Claim a lead's identifiers for the dedup window, atomically: of two twins that arrive
  together, on any Gavel process, exactly one gets 1.

  KEYS[1]  dedup key of the identifiers          d:<campaign>:<hmac>
  ARGV[1]  owner: the ping id claiming them
  ARGV[2]  window (ms)

  Returns  1  claimed now, or already held by this same owner (a post after its own ping)
           0  another owner saw these identifiers within the window: a duplicate
]]
local owner = redis.call('GET', KEYS[1])
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if owner == ARGV[1] then
  return 1
end
return 0
