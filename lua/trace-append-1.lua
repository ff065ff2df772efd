--[[
  Append trace segments of several leads to one bucket: the leads of one shard (a hash of the
  lead id) whose segments were written in one span of time. One call per shard per batch, so a
  batch of traces costs a few script calls, not one per lead. A lead's segments in a bucket are
  one field, joined by newlines (JSON never holds a raw one), at most `max` of them, so nothing
  a seller sends can grow a lead without bound. The bucket goes `retention` after its span ends.

  KEYS[1]  {tr:<shard>}:<bucket>   hash: lead id -> its segments in this bucket, "\n"-joined
  ARGV[1]  when the bucket expires (wall-clock ms)
  ARGV[2]  max segments per lead in a bucket
  ARGV[3…] pairs: lead id, segment (JSON)

  Returns  the number of segments written (those over a lead's max are dropped)
]]
local key = KEYS[1]
local max = tonumber(ARGV[2])
local written = 0
for i = 3, #ARGV, 2 do
  local id, seg = ARGV[i], ARGV[i + 1]
  local cur = redis.call('HGET', key, id)
  if not cur then
    redis.call('HSET', key, id, seg)
    written = written + 1
  else
    local _, n = string.gsub(cur, '\n', '')
    if n + 1 < max then
      redis.call('HSET', key, id, cur .. '\n' .. seg)
      written = written + 1
    end
  end
end
redis.call('PEXPIREAT', key, ARGV[1])
return written
