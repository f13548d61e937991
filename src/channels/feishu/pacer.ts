// Per-target pacing: Feishu allows 5 messages per second to one user or one chat (shared by
// every bot in a group). A fixed one-second window per target, counted in Redis so every
// replica and worker shares it; a send over the limit waits for the next window. The app-wide
// 50/s is the BullMQ limiter's job (FEISHU_RATE_LIMIT).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DeliveryError } from '../channel.js';

export interface PacerOptions {
  redis: Redis;
  prefix: string;
  log: Logger;
  /** Sends per target per second. */
  perSecond?: number;
  /** Give up (transient error, the queue retries later) after waiting this long. */
  maxWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Pacer {
  /** Resolves when a send to `target` fits in its window. */
  acquire(target: string): Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createPacer(opts: PacerOptions): Pacer {
  const limit = opts.perSecond ?? 5;
  const maxWait = opts.maxWaitMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? defaultSleep;
  return {
    async acquire(target) {
      const started = now();
      for (;;) {
        const t = now();
        const second = Math.floor(t / 1000);
        const key = `${opts.prefix}:feishu:pace:${target}:${second}`;
        let count: number;
        try {
          const res = await opts.redis.multi().incr(key).expire(key, 2).exec();
          count = Number(res?.[0]?.[1] ?? 0);
        } catch (err) {
          // Pacing is a courtesy; Feishu's own limit answers with a transient code anyway.
          opts.log.warn({ err, target }, 'feishu pacer: redis unavailable, sending unpaced');
          return;
        }
        if (count <= limit) return;
        if (t - started >= maxWait) throw new DeliveryError(`feishu: target ${target} is over ${limit}/s for ${maxWait} ms`, false, 'paced');
        // Wait for the next window, with jitter so queued senders do not all wake at once.
        await sleep((second + 1) * 1000 - t + Math.floor(Math.random() * 50));
      }
    },
  };
}
