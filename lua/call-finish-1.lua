--[[
  Keep a claimed call's answer for the window, or give the claim back, by its holder only.

  KEYS[1]  the call's record        c:<seller>:<key digest>   (see call-claim-1.lua)
  ARGV[1]  the request's fingerprint
  ARGV[2]  the answer to keep, or '' to give the claim back (the call could not be answered:
           a retry runs it anew)
  ARGV[3]  the window (ms) the answer is kept

  Returns  1   kept (or given back)
           0   the record is not this call's running claim (expired, or another request's):
               nothing changed
]]
local rec = redis.call('HMGET', KEYS[1], 'fp', 'state')
if rec[1] ~= ARGV[1] or rec[2] ~= 'running' then
  return 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  return 1
end
redis.call('HSET', KEYS[1], 'state', 'done', 'answer', ARGV[2])
redis.call('HDEL', KEYS[1], 'lease')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
