--[[
  Claim a seller's call under its idempotency key, or read what the key holds: the first call
  with a key runs; a retry gets its answer, or waits while it runs.

  KEYS[1]  the call's record        c:<seller>:<key digest>   a hash: fp, state (running|done),
                                    lease (ms, while running), answer (once done)
  ARGV[1]  now (ms)
  ARGV[2]  the request's fingerprint (a digest of its route and body)
  ARGV[3]  the lease (ms): a running call not finished by then is taken for dead, and the next
           claim runs it again (its process died; the lead's dedup and resubmission gates judge
           the rerun, so a lead is not sold twice by it)
  ARGV[4]  the window (ms) a record is kept

  Returns  {1}          claimed: run the call, then finish or release it
           {2}          running: another holds it; ask again
           {3}          the key was used for another request (another fingerprint)
           {4, answer}  done: the first call's answer
]]
local now = tonumber(ARGV[1])
local rec = redis.call('HMGET', KEYS[1], 'fp', 'state', 'lease', 'answer')
if rec[1] then
  if rec[1] ~= ARGV[2] then
    return {3}
  end
  if rec[2] == 'done' then
    return {4, rec[4]}
  end
  if tonumber(rec[3]) > now then
    return {2}
  end
end
redis.call('HSET', KEYS[1], 'fp', ARGV[2], 'state', 'running', 'lease', now + tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1}
