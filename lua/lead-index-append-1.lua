--[[
  Append lead summaries to the lead index, a stream, in one call per trace batch (not one XADD
  per lead: a command costs Gavel more than its bytes do), trimming what is older than the
  traces' retention. Trimming is approximate (whole stream nodes), so a little more is kept.

  KEYS[1]  {li}          stream: one entry per traced call, field `s` = its summary (JSON)
  ARGV[1]  the oldest id to keep: now - retention, in ms
  ARGV[2…] the summaries, in the order written

  Returns  the number of summaries appended
]]
local key = KEYS[1]
for i = 2, #ARGV do
  redis.call('XADD', key, 'MINID', '~', ARGV[1], '*', 's', ARGV[i])
end
return #ARGV - 1
