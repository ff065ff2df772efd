--[[
  Append one segment of a lead's trace (a ping, its post, or a direct post) and keep the trace
  for the retention time from its latest segment. A lead has at most a few segments; the list
  is trimmed to its first `max` all the same, so nothing a seller sends can grow it unbounded.

  KEYS[1]  tr:<lead id>   list of JSON segments, oldest first
  ARGV[1]  the segment (JSON)
  ARGV[2]  retention (ms)
  ARGV[3]  max segments kept

  Returns  the number of segments now kept
]]
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
local max = tonumber(ARGV[3])
if n > max then
  redis.call('LTRIM', KEYS[1], 0, max - 1)
  n = max
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return n
