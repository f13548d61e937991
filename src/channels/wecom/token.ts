// The app's access token: one per corp + app, shared by every replica through Redis, kept in
// process too, refreshed by a single in-flight request (and a short Redis lock across
// replicas). WeCom throttles corps that call gettoken often, so nothing else calls it.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { runLua } from '../../queue/lua.js';

export interface FetchedToken {
  token: string;
  /** Seconds, as WeCom reports it (7200). */
  expiresIn: number;
}

export interface TokenCacheOptions {
  redis: Redis;
  /** Redis key of the cached token (already prefixed). */
  key: string;
  fetchToken: () => Promise<FetchedToken>;
  log: Logger;
  /** Drop the token this long before WeCom's expiry, so no call races the expiry. */
  marginSeconds?: number;
  now?: () => number;
}

interface Cached {
  token: string;
  /** Epoch ms after which the token is no longer used (expiry minus the margin). */
  until: number;
}

export class TokenCache {
  private cached: Cached | undefined;
  private inflight: Promise<string> | undefined;
  lastError: string | undefined;
  private readonly margin: number;
  private readonly now: () => number;

  constructor(private readonly opts: TokenCacheOptions) {
    this.margin = opts.marginSeconds ?? 300;
    this.now = opts.now ?? Date.now;
  }

  async get(): Promise<string> {
    if (this.cached && this.cached.until > this.now()) return this.cached.token;
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** WeCom refused `token`: forget it (unless someone already replaced it) so the next get() refreshes. */
  async invalidate(token: string): Promise<void> {
    if (this.cached?.token === token) this.cached = undefined;
    const raw = await this.opts.redis.get(this.opts.key);
    if (raw && parse(raw)?.token === token) await runLua(this.opts.redis, 'delete-if-equal', [this.opts.key], [raw]);
  }

  private async load(): Promise<string> {
    const shared = await this.readShared();
    if (shared) return shared;
    const lockKey = `${this.opts.key}:lock`;
    const locked = (await this.opts.redis.set(lockKey, '1', 'PX', 10_000, 'NX')) === 'OK';
    if (!locked) {
      // Another replica is fetching: wait briefly for its result rather than calling gettoken too.
      for (let i = 0; i < 30; i++) {
        await sleep(100);
        const t = await this.readShared();
        if (t) return t;
      }
    }
    try {
      const fetched = await this.opts.fetchToken();
      const ttl = Math.max(60, fetched.expiresIn - this.margin);
      const value: Cached = { token: fetched.token, until: this.now() + ttl * 1000 };
      await this.opts.redis.set(this.opts.key, JSON.stringify(value), 'EX', ttl);
      this.cached = value;
      this.lastError = undefined;
      this.opts.log.debug({ ttl }, 'wecom access token refreshed');
      return value.token;
    } catch (err) {
      this.lastError = (err as Error).message;
      throw err;
    } finally {
      if (locked) await this.opts.redis.del(lockKey).catch(() => {});
    }
  }

  private async readShared(): Promise<string | undefined> {
    const raw = await this.opts.redis.get(this.opts.key);
    const v = raw ? parse(raw) : undefined;
    if (!v || v.until <= this.now()) return undefined;
    this.cached = v;
    return v.token;
  }
}

function parse(raw: string): Cached | undefined {
  try {
    const v = JSON.parse(raw) as Partial<Cached>;
    return typeof v.token === 'string' && typeof v.until === 'number' ? { token: v.token, until: v.until } : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
