--[[
  Claim the auction of a ping for its one post. The first claim gets the auction's state;
  the key then holds a posted marker for the retention time, so a second post is told
  ALREADY_POSTED rather than PING_EXPIRED.

  KEYS[1]  auction key              a:<ping id>   a string, written by the ping with SET PX:
                                    "L<seller>\n<state>" while live, "P<seller>" once posted
  ARGV[1]  retention after the post (ms)
  ARGV[2]  the seller posting: only the seller that pinged may post

  Returns  {1, state}  claimed: the auction state the ping saved
           {0}         no such ping for this seller, or it expired
           {-1}        already posted
]]
local v = redis.call('GET', KEYS[1])
if not v then
  return {0}
end
local kind = string.sub(v, 1, 1)
local nl = string.find(v, '\n', 2, true)
local seller = (kind == 'L' and nl) and string.sub(v, 2, nl - 1) or string.sub(v, 2)
if seller ~= ARGV[2] then
  return {0}
end
if kind == 'P' then
  return {-1}
end
redis.call('SET', KEYS[1], 'P' .. seller, 'PX', ARGV[1])
return {1, string.sub(v, nl + 1)}
