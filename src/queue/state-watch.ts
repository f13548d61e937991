// Notices that Redis lost its state — a FLUSHALL, a failover to an empty replica, eviction — while
// the process runs, and has it rebuilt at once instead of at the next restart. A sentinel key is
// written at start; every few seconds (and whenever the connection becomes ready again) it is
// set again with NX: if that succeeds, the key was gone, so everything else written before is
// presumed gone too. `intact` adds evidence the sentinel may not carry (the job schedulers were
// evicted; another replica won the NX and died before rebuilding).
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface StateWatchDeps {
  redis: Redis;
  prefix: string;
  log: Logger;
  /** How often to look (default 2 s). */
  everyMs?: number;
  /** False when Redis lacks something it must hold (checked after the sentinel). */
  intact?: () => Promise<boolean>;
  /** Rebuild what Redis lost from Postgres; retried at the next look while it fails. */
  recover: () => Promise<void>;
}

export const STATE_WATCH_MS = 2_000;

export function createStateWatch(deps: StateWatchDeps) {
  const { redis, log } = deps;
  const key = `${deps.prefix}:epoch`;
  const value = () => JSON.stringify({ by: `${hostname()}:${process.pid}`, at: new Date().toISOString() });
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> | undefined;
  let owed = false;
  let recoveries = 0;
  const onReady = () => void look();

  async function check(): Promise<void> {
    if (!owed) {
      if ((await redis.set(key, value(), 'NX')) === 'OK') {
        owed = true;
        log.warn({ key }, 'Redis lost its state (the sentinel key is gone): rebuilding schedulers, timers and deliveries');
      } else if (deps.intact && !(await deps.intact())) {
        owed = true;
        log.warn('Redis lost part of its state (the job schedulers are gone): rebuilding schedulers, timers and deliveries');
      }
    }
    if (!owed) return;
    const started = Date.now();
    await deps.recover();
    owed = false;
    recoveries++;
    log.info({ ms: Date.now() - started }, 'rebuilt what Redis lost');
  }

  /** One look at a time; a failure (Redis or Postgres down) is logged and retried at the next. */
  function look(): Promise<void> {
    looking ??= check()
      .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'Redis state check failed; will look again'))
      .finally(() => (looking = undefined));
    return looking;
  }

  return {
    key,
    look,
    recoveries: () => recoveries,
    /** Write the sentinel and start watching; true if it was missing (a first start, or Redis lost it while we were down). */
    async start(): Promise<boolean> {
      const fresh = (await redis.set(key, value(), 'NX')) === 'OK';
      timer = setInterval(() => void look(), deps.everyMs ?? STATE_WATCH_MS);
      timer.unref();
      redis.on('ready', onReady);
      return fresh;
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      redis.off('ready', onReady);
      await looking;
    },
  };
}

export type StateWatch = ReturnType<typeof createStateWatch>;
