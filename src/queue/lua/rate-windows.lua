-- A schedule of calls over sliding-window logs on several keys at once (the API pacers,
-- src/channels/rate-windows.ts): finds the earliest moment, now or later, at which the call fits
-- every window — per message, per chat, per API for the whole app — and books it there in all
-- of them, so a slot is never spent in one window while another holds the call back and waiters
-- never race for a slot. Returns the ms to wait until the booked moment, -1 when that is beyond
-- ARGV[2] ms, or -2 - ms to wait and ask again (in neither case is anything booked). Uses the Redis clock so replicas agree.
-- ARGV[1]: the slot's member; ARGV[2]: the longest wait. KEYS[i] pairs with ARGV[3i] (window ms),
-- ARGV[3i+1] (max calls) and ARGV[3i+2] (the least ms between two calls: calls are spread out
-- rather than sent in bursts, since a burst reaches the platform spread over a while and would
-- then meet the next one inside one of the platform's windows). A key may repeat with another
-- window (50/s and 1000/min on one API).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local longest = {}
for i = 1, #KEYS do
  local w = tonumber(ARGV[3 * i])
  if (longest[KEYS[i]] or 0) < w then longest[KEYS[i]] = w end
end
for k, w in pairs(longest) do redis.call('ZREMRANGEBYSCORE', k, '-inf', now - w) end
-- Booked moments may lie ahead (a call waiting for its chat's slot has booked its API's slot
-- too), so a moment fits a window when fewer than `max` calls lie within one window either side
-- of it (every window that holds it lies there) and no call lies within `gap` either side.
local at = now
local settled = false
for round = 1, 64 do
  local moved = false
  for i = 1, #KEYS do
    local w = tonumber(ARGV[3 * i])
    local max = tonumber(ARGV[3 * i + 1])
    local gap = tonumber(ARGV[3 * i + 2])
    if gap > 0 then
      local near = redis.call('ZRANGEBYSCORE', KEYS[i], '(' .. (at - gap), '(' .. (at + gap), 'WITHSCORES')
      if #near > 0 then
        at = tonumber(near[#near]) + gap
        moved = true
      end
    end
    local around = redis.call('ZRANGEBYSCORE', KEYS[i], '(' .. (at - w), '(' .. (at + w), 'WITHSCORES')
    if #around / 2 >= max then
      at = tonumber(around[2]) + w
      moved = true
    end
  end
  if not moved then
    settled = true
    break
  end
end
at = math.ceil(at)
if at - now > tonumber(ARGV[2]) then return -1 end
-- Still moving after many rounds (a crowded schedule): wait that long and ask again.
if not settled then return -2 - (at - now) end
for k, w in pairs(longest) do
  redis.call('ZADD', k, at, ARGV[1])
  redis.call('PEXPIRE', k, math.ceil(at - now + w))
end
return at - now
