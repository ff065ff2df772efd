--[[
  Claim the auction of a ping for its one post. The first claim gets the auction's state;
  the key then lives on for the retention time so a second post is told ALREADY_POSTED.

  KEYS[1]  auction hash                          a:<ping id>   fields: data, seller, posted
  ARGV[1]  retention after the post (ms)
  ARGV[2]  the seller posting: only the seller that pinged may post

  Returns  {1, data}  claimed: data is the auction state the ping saved
           {0}        no such ping for this seller, or it expired
           {-1}       already posted
]]
if redis.call('HGET', KEYS[1], 'seller') ~= ARGV[2] then
  return {0}
end
if redis.call('HSETNX', KEYS[1], 'posted', '1') == 0 then
  return {-1}
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return {1, redis.call('HGET', KEYS[1], 'data')}
