-- Delete KEYS[1] only if it still holds ARGV[1] (a lock's token, a cached value): someone else's
-- newer value stays. Returns 1 when deleted, else 0.
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
