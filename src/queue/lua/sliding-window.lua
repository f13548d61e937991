-- A sliding-window log per recipient (WeCom's pacer, src/channels/wecom/pacer.ts): reserves a slot
-- if every window has room; otherwise returns the ms until one frees up. Uses the Redis clock so
-- replicas with skewed clocks agree.
-- ARGV: the slot's member, the number of windows n, then n pairs of (window ms, max sends).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[2])
local longest = 0
for i = 0, n - 1 do
  local w = tonumber(ARGV[3 + i * 2])
  if w > longest then longest = w end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - longest)
local wait = 0
for i = 0, n - 1 do
  local w = tonumber(ARGV[3 + i * 2])
  local max = tonumber(ARGV[4 + i * 2])
  local count = redis.call('ZCOUNT', KEYS[1], '(' .. (now - w), '+inf')
  if count >= max then
    local e = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - w), '+inf', 'WITHSCORES', 'LIMIT', count - max, 1)
    local free = tonumber(e[2]) + w - now + 1
    if free > wait then wait = free end
  end
end
if wait <= 0 then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], longest)
  return 0
end
return wait
