// A Redis connection with a key prefix of its own, and the clean-up that deletes that prefix.
import { Redis } from 'ioredis';
import { REDIS_URL, uniqueName } from './env.js';

export function scratchRedis(tag: string) {
  const redis = new Redis(REDIS_URL);
  const prefix = uniqueName(tag);
  return {
    redis,
    prefix,
    async close() {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}
