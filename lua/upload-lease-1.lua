--[[
  Take, renew or give back the lease of one upload: the one process that runs its rows.

  KEYS[1]  the upload's lease        up:<upload id>
  ARGV[1]  the process asking (a random id per process)
  ARGV[2]  the lease (ms) to take or renew; '0' gives it back

  Returns  1   held by the asker now (taken, renewed, or given back)
           0   another process holds it: nothing changed
]]
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return 0
end
if ARGV[2] == '0' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
