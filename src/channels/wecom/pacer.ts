// WeCom silently drops application messages above 30 per minute or 1,000 per hour to one
// member, so sends are paced per recipient: a sliding-window log in Redis (shared by every
// replica) that makes a send wait for a free slot instead of being lost. A wait longer than
// `maxWaitMs` does not hold a worker: it fails transiently and the queue retries later.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { runLua } from '../../queue/lua.js';
import { DeliveryError } from '../channel.js';

export interface PaceLimit {
  windowMs: number;
  max: number;
}

/** A little under WeCom's documented limits, since its counting clock is not ours. */
export const WECOM_MEMBER_LIMITS: readonly PaceLimit[] = [
  { windowMs: 60_000, max: 28 },
  { windowMs: 3_600_000, max: 980 },
];

export interface Pacer {
  /** Try to take a slot now: 0 when taken, else the ms to wait before trying again. */
  reserve(recipient: string): Promise<number>;
  /** Wait for a slot (bounded by maxWaitMs, then a transient DeliveryError). */
  acquire(recipient: string): Promise<void>;
}

export function createPacer(
  redis: Redis,
  prefix: string,
  opts: { limits?: readonly PaceLimit[]; maxWaitMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Pacer {
  const limits = opts.limits ?? WECOM_MEMBER_LIMITS;
  const maxWait = opts.maxWaitMs ?? 20_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const flat = limits.flatMap((l) => [l.windowMs, l.max]);

  async function reserve(recipient: string): Promise<number> {
    const member = `${Date.now()}-${randomBytes(6).toString('hex')}`;
    const wait = await runLua(redis, 'sliding-window', [`${prefix}:wecom:pace:${recipient}`], [member, limits.length, ...flat]);
    return Number(wait) || 0;
  }

  return {
    reserve,
    async acquire(recipient) {
      let waited = 0;
      for (;;) {
        const wait = await reserve(recipient);
        if (wait === 0) return;
        if (waited + wait > maxWait) {
          throw new DeliveryError(`WeCom per-member limit reached for ${recipient}; next slot in ${Math.ceil(wait / 1000)} s`, false, 'paced');
        }
        // A little jitter so waiters on one recipient do not all wake at once.
        const nap = wait + Math.floor(Math.random() * 50);
        await sleep(nap);
        waited += nap;
      }
    },
  };
}
