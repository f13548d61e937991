// A DingTalk access token kept in process and in Redis (shared by replicas), refreshed by one
// request at a time. The open API (api.dingtalk.com) and the old oapi host each fetch theirs
// their own way; both keep them here.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface TokenCacheOptions {
  redis: Redis;
  /** Redis key of the token (already prefixed). */
  key: string;
  /** Asks DingTalk for a token; throws when it will not give one. */
  fetch: () => Promise<{ token: string; expiresInSeconds: number }>;
  log: Logger;
}

/** Refresh a token this long before DingTalk says it expires. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export class DingtalkTokenCache {
  private memo?: { token: string; expiresAt: number };
  private inflight?: Promise<string>;

  constructor(private readonly o: TokenCacheOptions) {}

  /** A valid access token: process memory, then Redis, then one refresh shared by every caller. */
  async get(): Promise<string> {
    if (this.memo && this.memo.expiresAt > Date.now()) return this.memo.token;
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(): Promise<string> {
    const cached = await this.o.redis.get(this.o.key).catch(() => null);
    if (cached) {
      const ttl = await this.o.redis.pttl(this.o.key).catch(() => -1);
      if (ttl > 0) {
        this.memo = { token: cached, expiresAt: Date.now() + ttl };
        return cached;
      }
    }
    const { token, expiresInSeconds } = await this.o.fetch();
    const ttl = Math.max(expiresInSeconds * 1000 - EXPIRY_MARGIN_MS, 30_000);
    this.memo = { token, expiresAt: Date.now() + ttl };
    await this.o.redis.set(this.o.key, token, 'PX', ttl).catch((err: Error) => this.o.log.warn({ err: err.message }, 'dingtalk: could not cache the access token in Redis'));
    return token;
  }

  /** Forget a token DingTalk refused, unless another caller already replaced it. */
  async drop(token: string): Promise<void> {
    if (this.memo?.token === token) this.memo = undefined;
    const cached = await this.o.redis.get(this.o.key).catch(() => null);
    if (cached === token) await this.o.redis.del(this.o.key).catch(() => {});
  }
}
