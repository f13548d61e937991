-- A token bucket per target (DingTalk's pacer, src/channels/dingtalk/pacer.ts), on the Redis clock.
-- ARGV: capacity, refill rate per ms, the longest wait worth taking.
-- Returns the wait in ms (>= 0, slot taken) or minus the wait (slot not taken: too far away).
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then tokens = cap; ts = now end
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate) end
if wait > maxWait then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate))
  return -wait
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + wait)
return wait
