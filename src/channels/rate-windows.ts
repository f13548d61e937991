// Pacing against a platform's documented rate limits, shared by every replica and worker through
// Redis: a call waits until every window it falls under has room (rate-windows.lua), instead of
// being refused by the platform. The windows are sliding logs, which is the strictest way a
// platform can count; each is a little longer than the documented second or minute, since the
// platform's clock, and the moment a request reaches it, are not ours. Within a second, calls are
// spread evenly (at most one per `windowMs / max`) rather than sent as a burst: a burst leaves
// together but reaches the platform spread over a while (connections, the event loop), and the
// next burst, sent a window later, would then meet its tail inside one of the platform's windows.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { runLua } from '../queue/lua.js';
import { DeliveryError } from './channel.js';

export interface RateWindow {
  /** The Redis key (prefixed by the caller): one per message, chat, or API of the app. */
  key: string;
  windowMs: number;
  max: number;
  /** The least ms between two calls (0: bursts allowed). */
  gapMs: number;
}

/**
 * How much longer than the documented window ours is (request jitter on the way there). A
 * per-second window, whose calls are spread evenly, tolerates calls arriving up to 50 ms closer
 * together than we sent them; a longer window (a minute) gets a fixed second, which costs under
 * 2 % of its rate (a relative margin there would cost 10 % for nothing).
 */
export const WINDOW_MARGIN = 1.05;
export const LONG_WINDOW_MARGIN_MS = 1_000;

/**
 * The share of a long window (a minute or more) that bulk sends (the morning digest) may use:
 * the rest stays free for what people wait on (a reminder, a confirmation), so a fan-out that
 * spends a minute's budget never holds them back. Per-second windows need no reserve: bulk
 * sends book at most a few slots ahead (their queue's small concurrency), so others wait less
 * than that.
 */
export const BULK_SHARE = 0.97;

/** `max` calls per `seconds`, as a window with the margin; per-second windows are spread evenly. */
export const perWindow = (key: string, max: number, seconds: number): RateWindow => {
  const windowMs = seconds <= 1 ? Math.round(seconds * 1000 * WINDOW_MARGIN) : seconds * 1000 + LONG_WINDOW_MARGIN_MS;
  return { key, max, windowMs, gapMs: seconds <= 1 ? windowMs / max : 0 };
};

/** The windows a bulk send books against: long windows keep their reserve for everything else. */
export const bulkWindows = (windows: readonly RateWindow[]): RateWindow[] =>
  windows.map((w) => (w.gapMs === 0 && w.windowMs > 1_500 ? { ...w, max: Math.floor(w.max * BULK_SHARE) } : w));

export interface RateWindowsOptions {
  redis: Redis;
  log: Logger;
  /** Give up (a transient DeliveryError: the queue retries later) after waiting this long. */
  maxWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createRateWindows(opts: RateWindowsOptions) {
  const sleep = opts.sleep ?? defaultSleep;
  /** Books the earliest slot that fits every window: the ms until it (0: now); -1 when that is beyond `maxWaitMs`, -2 - ms to wait and ask again (nothing booked). */
  async function reserve(windows: readonly RateWindow[]): Promise<number> {
    const member = `${Date.now()}-${randomBytes(6).toString('hex')}`;
    const args: Array<string | number> = [member, opts.maxWaitMs];
    for (const w of windows) args.push(w.windowMs, w.max, w.gapMs);
    return Number(await runLua(opts.redis, 'rate-windows', windows.map((w) => w.key), args));
  }
  return {
    reserve,
    /** Resolves at the call's booked slot; `what` names it in the error and the log. */
    async acquire(windows: readonly RateWindow[], what: string): Promise<void> {
      for (let asked = 0; ; asked++) {
        let wait: number;
        try {
          wait = await reserve(windows);
        } catch (err) {
          // Pacing is a courtesy: the platform's own limit answers with a transient code anyway.
          opts.log.warn({ err, what }, 'pacer: redis unavailable, calling unpaced');
          return;
        }
        if (wait === -1 || (wait < -1 && asked >= 8)) throw new DeliveryError(`${what}: rate limit reached for the next ${opts.maxWaitMs} ms`, false, 'paced');
        if (wait >= 0) return wait > 0 ? sleep(wait) : undefined;
        await sleep(-2 - wait);
      }
    },
  };
}

export type RateWindows = ReturnType<typeof createRateWindows>;
