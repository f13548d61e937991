-- Ingest's dedupe, step two (src/bot/ingest.ts): commit every key of a batch for ARGV[1] seconds
-- once its events' job is in Redis. Returns the number of keys.
for _, key in ipairs(KEYS) do
  redis.call('SET', key, '1', 'EX', ARGV[1])
end
return #KEYS
