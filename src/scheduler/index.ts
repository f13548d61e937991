// The scheduler: deadlines, reminders (催办), escalation, event prompts and the daily digest.
//
// Postgres is the truth: every pending point is a `timers` row written in the transaction of the
// state change that needs it (the approvals service's onTransition hook). BullMQ mirrors the
// pending rows due within a horizon (48 h by default) as small delayed jobs with deterministic ids
// (mirror.ts); a tick sweeps whatever is
// due, and firing claims rows with a conditional UPDATE, so any number of workers, replicas and
// reconciles fire each once (fire.ts, sweep.ts, fire-notices.ts); a reconcile at start-up and on a
// schedule re-creates what Redis lost and fires what is overdue (reconcile.ts). The worker
// (worker.ts), the digest (digest.ts) and 催办 (nudge.ts) are parts of their own. This factory
// wires them, each with what it needs, around one explicit state (state.ts), and is the one
// object the app, the commands and the tests hold.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkCalendar } from '../core/calendar/index.js';
import type { Locale } from '../core/messages.js';
import type { TransitionOk } from '../core/model.js';
import { settingsFrom, type ScheduleSettings } from '../core/reminders.js';
import type { Directory } from '../org/directory.js';
import type { ScheduleJob } from '../queue/jobs.js';
import type { Approvals } from '../services/approvals.js';
import type { DbOrTx } from '../store/db.js';
import type { SchedulerStore } from '../store/scheduler-store.js';
import { createDigests, type HealthProvider } from './digest.js';
import { createFiring } from './fire.js';
import { jobSchedulersPresent, upsertJobSchedulers } from './job-schedulers.js';
import { createMirror } from './mirror.js';
import { createNudge } from './nudge.js';
import { createReconcile } from './reconcile.js';
import { recountDeadlines } from './recount.js';
import { SchedulerState } from './state.js';
import { createScheduleWorker } from './worker.js';

export type { FireOutcome } from './fire.js';
export { TICK_MS, tickAt, tickIdOf } from './ticks.js';

export interface SchedulerDeps {
  store: SchedulerStore;
  /** The schedule queue (src/queue/queues.ts); closed by whoever created it, after the scheduler. */
  queue: Queue<ScheduleJob>;
  /** The queue's key prefix, for the worker. */
  prefix: string;
  dir: Directory;
  calendar: WorkCalendar;
  locale: Locale;
  log: Logger;
  /** The approval service (built with this scheduler's hook, hence lazy). */
  approvals: () => Approvals;
  /** The app's clock: calendar math and "is it due yet". */
  now?: () => Date;
  /** Real milliseconds until an instant of the app's clock (tests run a warped clock). */
  delayMs?: (at: Date) => number;
  /** Outbox rows were written outside the approval service (kick the relay). */
  onOutbox?: () => void;
  /** How often the periodic reconcile runs (default 5 min). */
  reconcileEveryMs?: number;
  /** More housekeeping for the periodic reconcile job (the outbox re-drive); its failure is logged. */
  onReconcile?: () => Promise<unknown>;
  concurrency?: number;
  /**
   * Mirror in Redis only timers due within this window (app ms, e.g. 48 h): the start-up reconcile
   * mirrors what falls within it, the periodic one adds what enters it; the rest wait in Postgres.
   * None: every pending timer is mirrored. At least twice `reconcileEveryMs`.
   */
  mirrorHorizonMs?: number;
  /** Sources of the admins' "organisation health" digest section (composition root: the org doctor, …). */
  health?: ReadonlyArray<HealthProvider>;
}

export function createScheduler(deps: SchedulerDeps) {
  const { store, queue, dir, log } = deps;
  const clock = deps.now ?? (() => new Date());
  const delayMs = deps.delayMs ?? ((at: Date) => at.getTime() - clock().getTime());
  const settings: ScheduleSettings = settingsFrom(dir, deps.calendar, deps.locale);
  const reconcileEveryMs = deps.reconcileEveryMs ?? 5 * 60_000;
  queue.on('error', (err) => log.warn({ err: err.message }, 'schedule queue error'));

  const state = new SchedulerState();
  const horizon = deps.mirrorHorizonMs !== undefined ? { horizonMs: Math.max(deps.mirrorHorizonMs, 2 * reconcileEveryMs) } : {};
  const mirror = createMirror({ queue, log, delayMs, now: clock, state, ...horizon });
  const onOutbox = deps.onOutbox;
  const { fire, fireMany, fireDue } = createFiring({ store, state, settings, clock, delayMs, log, mirror, approvals: deps.approvals, ...(onOutbox ? { onOutbox } : {}) });
  const reconcile = createReconcile({ store, mirror, fireMany, clock, log, everyMs: reconcileEveryMs, ...horizon });
  const digests = createDigests({ store, settings, clock, log, ...(onOutbox ? { onOutbox } : {}), ...(deps.health ? { health: deps.health } : {}) });
  const nudge = createNudge({ store, settings, clock, ...(onOutbox ? { onOutbox } : {}) });

  /** The approval service's hook: timers move with the state, in its transaction. */
  async function onTransition(tx: DbOrTx, t: TransitionOk): Promise<void> {
    const now = clock();
    const q = store.within(tx);
    const escalated = t.audit.find((a) => a.action === 'escalated');
    if (escalated?.stepId) await q.claimEscalation(t.state, escalated.stepId, now);
    if (t.audit.some((a) => a.action === 'lifecycle.event_ended')) await q.claimKind(t.state.id, 'event_end', now);
    mirror.note(await q.syncChains(t.state, settings, now));
  }

  /**
   * Redis lost its state (a flush, a failover to an empty replica, eviction), or the worker
   * starts: the job schedulers again, every pending timer within the horizon mirrored again, what fell due fired,
   * today's digest caught up.
   */
  async function recover(): Promise<void> {
    await upsertJobSchedulers(queue, { digestTime: dir.org.organisation.digest.time, timezone: dir.timezone, reconcileEveryMs });
    await reconcile({ full: true });
    await digests.catchUp();
  }

  /** The periodic reconcile job: what Redis may have lost, then housekeeping. */
  async function periodic(): Promise<void> {
    await reconcile();
    await store.pruneProcessedEvents(clock());
    await deps.onReconcile?.().catch((err: unknown) => log.warn({ err }, 'reconcile housekeeping failed'));
  }

  return {
    queue,
    settings,
    onTransition,
    flush: mirror.flush,
    mirror: mirror.mirror,
    fire,
    reconcile,
    createWorker: (connection: Redis) =>
      createScheduleWorker(
        { log, fire, fireDue, reconcile: periodic, runDigest: digests.runDigest },
        { connection, prefix: deps.prefix, ...(deps.concurrency !== undefined ? { concurrency: deps.concurrency } : {}) },
      ),
    digestFor: digests.digestFor,
    runDigest: digests.runDigest,
    nudge,
    /**
     * Worker role: register the repeating jobs, reconcile, catch up on today's digest, then
     * recount open deadlines if the holiday calendar changed since the last start (a failure
     * is logged; the next start tries again).
     */
    async start(): Promise<void> {
      await recover();
      await recountDeadlines({ store: store.calendarYears, calendar: deps.calendar, approvals: deps.approvals, timezone: dir.timezone, log, now: clock() }).catch((err: unknown) =>
        log.error({ err }, 'recounting deadlines after a calendar change failed'),
      );
    },
    recover,
    /** Whether Redis still holds the repeating jobs (false after it lost its state). */
    schedulersPresent: () => jobSchedulersPresent(queue),
    /** Stop sweeping and push what is noted (before the queue closes; after the workers). */
    async close(): Promise<void> {
      state.closed = true;
      await Promise.all(state.sweeps);
      await mirror.drain();
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
