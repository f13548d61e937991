// The simulator's demo clock: the app's clock (`now()` everywhere: the scheduler, the approval
// service, dialogs) runs ahead of the machine's by an offset that only grows. Simulator mode only.
// The offset lives in Redis, so every process of the app reads the same time and a restart keeps
// it; each process re-reads it every second (a jump made on another replica arrives within one).
import type { Redis } from 'ioredis';

export interface DemoClock {
  now(): Date;
  offsetMs(): number;
  /** Reads the offset, then keeps re-reading it until stop(). */
  start(redis: Redis, prefix: string): Promise<void>;
  /** Moves the clock forward to `at` (never back); answers the new offset. */
  advanceTo(at: Date): Promise<number>;
  stop(): void;
}

export function createDemoClock(refreshMs = 1_000): DemoClock {
  let offset = 0;
  let redis: Redis | undefined;
  let key = '';
  let timer: NodeJS.Timeout | undefined;
  const read = async () => {
    const stored = Number(await redis!.get(key));
    if (Number.isFinite(stored) && stored > offset) offset = stored;
  };
  return {
    now: () => new Date(Date.now() + offset),
    offsetMs: () => offset,
    async start(r, prefix) {
      redis = r;
      key = `${prefix}:demo-clock:offset`;
      await read();
      timer = setInterval(() => void read().catch(() => undefined), refreshMs);
      timer.unref();
    },
    async advanceTo(at) {
      const next = Math.max(offset, at.getTime() - Date.now());
      // Only ever forward, also against a jump another replica made meanwhile.
      const stored = Number(await redis!.eval("local v = tonumber(redis.call('get', KEYS[1]) or '0') if tonumber(ARGV[1]) > v then redis.call('set', KEYS[1], ARGV[1]) return ARGV[1] end return tostring(v)", 1, key, String(next)));
      offset = Math.max(offset, stored);
      return offset;
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
