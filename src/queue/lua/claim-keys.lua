-- Ingest's dedupe, step one (src/bot/ingest.ts): claim every key of a batch for ARGV[1] seconds.
-- Per key: 1 claimed now (absent before), 0 a committed duplicate, 2 claimed by an ingest still
-- in flight.
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('GET', key)
  if not v then
    redis.call('SET', key, 'p', 'EX', ARGV[1])
    out[i] = 1
  elseif v == 'p' then
    out[i] = 2
  else
    out[i] = 0
  end
end
return out
