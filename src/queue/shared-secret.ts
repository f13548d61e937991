// A secret every replica shares without configuration: the first to ask stores a random one in
// Redis (SET NX), the others read it. Used for file links when FILE_LINK_SECRET is not set; a
// Redis that loses it only makes the links handed out so far stop working.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export function sharedSecret(redis: Redis, key: string): () => Promise<string> {
  let cached: string | undefined;
  return async () => {
    if (cached) return cached;
    await redis.set(key, randomBytes(32).toString('base64url'), 'NX');
    const value = await redis.get(key);
    if (!value) throw new Error(`shared secret ${key} missing`);
    return (cached = value);
  };
}
