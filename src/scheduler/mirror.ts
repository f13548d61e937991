// Mirroring pending timers in BullMQ, after the transaction that wrote them commits: one delayed
// "tick" per instant at which timers fall due (shared by all of them, so a burst is one job), or
// a job of its own (id = row id) for a timer due at once. Redis may lose these jobs at any time;
// the reconcile adds them again from Postgres.
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { ScheduleJob } from '../queue/jobs.js';
import type { Mirror } from '../store/timers-repo.js';
import { NEAR_MS, TICK_LEAD_MS, tickAt, tickIdOf } from './ticks.js';

export interface MirrorDeps {
  queue: Queue<ScheduleJob>;
  log: Logger;
  /** Real milliseconds until an instant of the app's clock. */
  delayMs: (at: Date) => number;
  /** The app's clock (the horizon is app time, like the reconcile's). */
  now: () => Date;
  /** Mirror only timers due within this window (app ms); the periodic reconcile adds the rest as they enter it. */
  horizonMs?: number;
  state: { readonly closed: boolean };
}

/** What a transaction changed: pending timers to mirror, cancelled ones whose own job can go. */
export interface TimerChanges {
  mirror: Mirror[];
  cancelled: string[];
}

export function createMirror(deps: MirrorDeps) {
  const { queue, log, delayMs, state } = deps;
  const toAdd = new Map<string, Mirror>();
  const toRemove = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  /** Note what a transaction changed, to push once it commits (flush). */
  function note(m: TimerChanges): void {
    for (const x of m.mirror) {
      toAdd.set(x.id, x);
      toRemove.delete(x.id);
    }
    for (const id of m.cancelled) {
      toRemove.add(id);
      toAdd.delete(id);
    }
    // onCommitted normally flushes at once; this catches commits that do not call it.
    if ((m.mirror.length || m.cancelled.length) && !flushTimer && !state.closed) {
      flushTimer = setTimeout(() => flush(), 250);
      flushTimer.unref();
    }
  }

  /**
   * Add the delayed jobs that wake these pending timers: the tick of each one's instant, or its
   * own job when it is due at once (an existing job id is left as it is). Returns how many timers
   * are now covered (those within the mirror horizon).
   */
  async function mirror(list: Mirror[]): Promise<number> {
    const real = Date.now();
    const jobs = new Map<string, { name: string; data: ScheduleJob; opts: { jobId: string; delay: number } }>();
    const beyond = deps.horizonMs !== undefined ? deps.now().getTime() + deps.horizonMs : Infinity;
    let covered = 0;
    for (const x of list) {
      if (x.fireAt.getTime() > beyond) continue;
      const delay = Math.max(0, Math.ceil(delayMs(x.fireAt)));
      covered++;
      if (delay <= NEAR_MS) jobs.set(x.id, { name: 'timer', data: { type: 'timer' }, opts: { jobId: x.id, delay } });
      else {
        const id = tickIdOf(real + delay);
        if (!jobs.has(id)) jobs.set(id, { name: 'tick', data: { type: 'tick' }, opts: { jobId: id, delay: Math.max(0, tickAt(id) - TICK_LEAD_MS - real) } });
      }
    }
    const adds = [...jobs.values()];
    for (let i = 0; i < adds.length; i += 1000) await queue.addBulk(adds.slice(i, i + 1000));
    return covered;
  }

  async function flushNow(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    const adds = [...toAdd.values()];
    const removes = [...toRemove];
    toAdd.clear();
    toRemove.clear();
    if (!adds.length && !removes.length) return;
    try {
      // A cancelled timer's own job would fire into a no-op: remove it (a tick stays: other timers
      // may share it, and it costs one query when it comes).
      await Promise.all(removes.map((id) => queue.remove(id).catch(() => 0)));
      await mirror(adds);
    } catch (err) {
      // Postgres has them; the periodic reconcile mirrors them again.
      log.warn({ err: (err as Error).message, adds: adds.length }, 'could not mirror timers in Redis');
    }
  }

  /** After a commit: push the timers it wrote to BullMQ (fire-and-forget; errors are logged). */
  function flush(): void {
    flushing = flushing.then(flushNow, flushNow);
  }

  return {
    note,
    mirror,
    flush,
    flushNow,
    /** Note and flush at once (a commit the scheduler made itself). */
    push(m: TimerChanges): void {
      note(m);
      flush();
    },
    /** At close: push what is noted, and wait for flushes under way. */
    async drain(): Promise<void> {
      await flushNow().catch(() => {});
      await flushing.catch(() => {});
    },
  };
}

export type TimerMirror = ReturnType<typeof createMirror>;
