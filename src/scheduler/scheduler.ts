// The scheduler: deadlines, reminders (催办), escalation, event prompts and the daily digest.
//
// Postgres is the truth: every pending point is a `timers` row written in the transaction of the
// state change that needs it (the approvals service's onTransition hook). BullMQ mirrors the
// pending rows as small delayed jobs with deterministic ids: one "tick" per instant at which
// timers fall due (all timers due then share it, so a burst is one job), or, for a timer that is
// due at once, a job whose id is the row id. A tick sweeps whatever is due; firing claims rows
// with a conditional UPDATE, so any number of workers, replicas and reconciles fire each once; a
// reconcile at start-up and on a schedule re-creates what Redis lost and fires what is overdue.
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { and, desc, eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkCalendar } from '../core/calendar/index.js';
import { composeDigest, renderDigest, type Digest } from '../core/digest.js';
import type { Locale } from '../core/messages.js';
import type { MessageIntent, Origin, RequestState, TransitionOk } from '../core/model.js';
import { chainsFor, noticeFor, nudge as nudgeRule, settingsFrom, type Chain, type ScheduleSettings } from '../core/reminders.js';
import type { Directory } from '../org/directory.js';
import { QUEUE_NAMES, type ScheduleJob } from '../queue/jobs.js';
import { WORKER_LOCKS } from '../queue/worker-options.js';
import type { Approvals } from '../services/approvals.js';
import { anyOf } from '../store/any-of.js';
import type { Database, DbOrTx } from '../store/db.js';
import { loadRequest, loadRequestByNumber, loadRequests } from '../store/requests-repo.js';
import { auditLog, digestsSent, timers } from '../store/schema.js';
import { pruneProcessedEvents } from '../store/retention.js';
import { evenBatches } from '../util/even-batches.js';
import { forEachLimit } from '../util/for-each-limit.js';
import { groupCommit } from '../util/group-commit.js';
import { digestInput } from './digest-data.js';
import { recountDeadlines } from './recount.js';
import {
  claimEscalation,
  claimKind,
  claimTimer,
  claimTimers,
  dueTimers,
  insertPoints,
  isTransition,
  nextPointRow,
  pendingPage,
  syncChains,
  TimerAlreadyHandledError,
  writeNotice,
  writeNotices,
  writeOutboxRows,
  type NoticeWrite,
  type PointRow,
  type Mirror,
  type TimerPayload,
  type TimerRow,
} from './timers-repo.js';

export interface SchedulerDeps {
  database: Database;
  dir: Directory;
  calendar: WorkCalendar;
  locale: Locale;
  log: Logger;
  /** Connection for the queue (producer side). */
  connection: Redis;
  prefix: string;
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
  /** Mirror in Redis only timers due within this window; the periodic reconcile adds the rest as they come near. */
  mirrorHorizonMs?: number;
}

export type FireOutcome = 'fired' | 'skipped' | { early: number };

/** Jobs that fire earlier than this (real ms) are put back to sleep until their time. */
const EARLY_MS = 50;
/**
 * Ticks fall on multiples of this (real ms), rounded up: timers due within one slot share a tick.
 * It bounds the lateness a tick adds.
 */
export const TICK_MS = 10;
/**
 * Timers due sooner than this get a job of their own instead of a tick: the tick of an instant
 * that has come (or nearly, on a replica whose clock runs ahead) may already have swept, and
 * adding its id again would change nothing.
 */
const NEAR_MS = 2_000;
/**
 * A tick's job is due this long (real ms) before its instant and waits out the rest in process:
 * BullMQ takes tens of milliseconds to hand over a delayed job, a timer in the process one.
 */
const TICK_LEAD_MS = 100;
/** The tick job id for timers due at this real instant (ms since the epoch). */
export const tickIdOf = (realMs: number): string => `k${(Math.ceil(realMs / TICK_MS) * TICK_MS).toString(36)}`;
/** The real instant (ms since the epoch) a tick job id stands for. */
export const tickAt = (id: string): number => parseInt(id.slice(1), 36);
const MAX_TRIES = 6;
const PAGE = 5000;

class TimerMissingError extends Error {
  constructor(id: string) {
    super(`timer ${id} not found (not committed yet, or rolled back)`);
    this.name = 'TimerMissingError';
  }
}

export function createScheduler(deps: SchedulerDeps) {
  const { database, dir, log } = deps;
  const db = database.db;
  const clock = deps.now ?? (() => new Date());
  const delayMs = deps.delayMs ?? ((at: Date) => at.getTime() - clock().getTime());
  const settings: ScheduleSettings = settingsFrom(dir, deps.calendar, deps.locale);
  const reconcileEveryMs = deps.reconcileEveryMs ?? 5 * 60_000;
  const queue = new Queue<ScheduleJob>(QUEUE_NAMES.schedule, { connection: deps.connection, prefix: deps.prefix });
  queue.on('error', (err) => log.warn({ err: err.message }, 'schedule queue error'));

  // ---- Mirroring pending rows in BullMQ (after their transaction commits)

  const toAdd = new Map<string, Mirror>();
  const toRemove = new Set<string>();
  let flushTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  let closed = false;

  function note(m: { mirror: Mirror[]; cancelled: string[] }): void {
    for (const x of m.mirror) {
      toAdd.set(x.id, x);
      toRemove.delete(x.id);
    }
    for (const id of m.cancelled) {
      toRemove.add(id);
      toAdd.delete(id);
    }
    // onCommitted normally flushes at once; this catches commits that do not call it.
    if ((m.mirror.length || m.cancelled.length) && !flushTimer && !closed) {
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
    const horizon = deps.mirrorHorizonMs;
    const real = Date.now();
    const jobs = new Map<string, { name: string; data: ScheduleJob; opts: { jobId: string; delay: number } }>();
    let covered = 0;
    for (const x of list) {
      const delay = Math.max(0, Math.ceil(delayMs(x.fireAt)));
      if (horizon !== undefined && delay > horizon) continue;
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

  // ---- The approval service's hook: timers move with the state, in its transaction

  async function onTransition(tx: DbOrTx, t: TransitionOk): Promise<void> {
    const now = clock();
    const escalated = t.audit.find((a) => a.action === 'escalated');
    if (escalated?.stepId) await claimEscalation(tx, t.state, escalated.stepId, now);
    if (t.audit.some((a) => a.action === 'lifecycle.event_ended')) await claimKind(tx, t.state.id, 'event_end', now);
    note(await syncChains(tx, t.state, settings, now));
  }

  // ---- Firing

  async function lockRequest(tx: DbOrTx, requestId: string | null): Promise<RequestState | undefined> {
    return requestId ? loadRequest(tx, requestId, { forUpdate: true }) : undefined;
  }

  /** Close a timer whose transition was refused or already applied, and continue its chain. */
  async function settle(id: string, requestId: string | null): Promise<void> {
    const now = clock();
    const sync = await db.transaction(async (tx) => {
      const s = await lockRequest(tx, requestId); // request before timer: the lock order of every transition
      if (!(await claimTimer(tx, id, now)) || !s) return undefined;
      return syncChains(tx, s, settings, now);
    });
    if (sync) {
      note(sync);
      flush();
    }
  }

  /**
   * Timers fire in batches (group commit): the ids that arrive while a batch runs form the next
   * one. A batch reads its rows with one query; the points that only say something (reminders,
   * notices) are fired in one transaction: lock their requests (in id order, as every transition
   * locks its request before its timers), claim the timers with one conditional UPDATE, write
   * what each says (audit + outbox) and schedule each chain's next point. A burst of thousands
   * due at once costs tens of commits instead of thousands. Escalations and ends of events are
   * transitions and go through the approval service one by one.
   */
  type Step = FireOutcome | { transition: TimerRow } | { missing: true };
  const MAX_BATCH = 500;
  /** A sweep picks up to SWEEP_PICK due rows at once and fires them in SWEEP_PARALLEL transactions at a time of up to SWEEP_BATCH rows. */
  const SWEEP_PICK = 10_000;
  const SWEEP_BATCH = 1000;
  const SWEEP_PARALLEL = 2;
  /**
   * Timers being fired right now (by a batch or a sweep), each with the promise of that attempt.
   * A job whose timer is owned waits for the owner instead of queueing on its row locks, then
   * reads the outcome (fired, or still pending if the owner failed).
   */
  const owners = new Map<string, Promise<void>>();
  const sweeps = new Set<Promise<void>>();
  let picking: Promise<void> = Promise.resolve();

  const viaBatch = groupCommit<string, Step>(
    async (ids) => {
      const steps = await runBatch([...new Set(ids)]);
      return ids.map((id) => steps.get(id) ?? 'skipped');
    },
    { maxBatch: MAX_BATCH, maxInFlight: 3 },
  );

  /** Own these timers until the returned release is called (after the attempt, whatever its outcome). */
  function own(rows: Array<{ id: string }>): () => void {
    let done!: () => void;
    const attempt = new Promise<void>((r) => (done = r));
    for (const r of rows) owners.set(r.id, attempt);
    return () => {
      for (const r of rows) if (owners.get(r.id) === attempt) owners.delete(r.id);
      done();
    };
  }

  /**
   * Timers this process fired (claimed and committed). A fired row never goes back to pending,
   * so the job of one completes without a query: in a burst the sweeps fire most timers before
   * their jobs come up. Bounded; the oldest are forgotten first.
   */
  const fired = new Set<string>();
  const FIRED_MEMORY = 100_000;
  function remember(ids: Iterable<string>): void {
    for (const id of ids) fired.add(id);
    if (fired.size <= FIRED_MEMORY) return;
    let excess = fired.size - Math.floor(FIRED_MEMORY * 0.9);
    for (const id of fired) {
      if (excess-- <= 0) break;
      fired.delete(id);
    }
  }

  async function runBatch(ids: string[]): Promise<Map<string, Step>> {
    const steps = new Map<string, Step>();
    const waitFor: string[] = [];
    const unknown: string[] = [];
    for (const id of ids) {
      if (fired.has(id)) steps.set(id, 'skipped');
      else if (owners.has(id)) waitFor.push(id);
      else unknown.push(id);
    }
    const notices = unknown.length ? await readDue(unknown, steps) : [];
    // Timers another batch or a sweep is firing (picked meanwhile, too): wait for that attempt,
    // then look again (fired, or pending still if it failed), instead of queueing on its row locks.
    const free = notices.filter((r) => !owners.has(r.id));
    waitFor.push(...notices.filter((r) => owners.has(r.id)).map((r) => r.id));
    const fireFree = async () => {
      if (!free.length) return;
      const release = own(free);
      try {
        await fireNotices(free, steps, clock());
      } finally {
        release();
      }
      // A burst: claim what else is due now instead of waiting for each job's turn in the queue
      // (those jobs then find their timer owned or fired and do nothing).
      startSweep();
    };
    const lookAgain = async (): Promise<Map<string, Step>> => {
      if (!waitFor.length) return new Map();
      await Promise.all(waitFor.map((id) => owners.get(id)));
      return runBatch(waitFor);
    };
    const [, again] = await Promise.all([fireFree(), lookAgain()]);
    for (const [id, step] of again) steps.set(id, step);
    return steps;
  }

  /** Reads timers; records in `steps` those with nothing to fire now, returns the due notices. */
  async function readDue(ids: string[], steps: Map<string, Step>): Promise<TimerRow[]> {
    const rows = await db.select().from(timers).where(anyOf(timers.id, ids));
    const notices: TimerRow[] = [];
    const found = new Set(rows.map((r) => r.id));
    for (const id of ids) if (!found.has(id)) steps.set(id, { missing: true });
    for (const row of rows) {
      const early = delayMs(row.fireAt);
      if (row.firedAt || row.cancelledAt) steps.set(row.id, 'skipped');
      // Woken early (a moved fire time, rounding, clock skew): sleep again until the app's clock is there.
      else if (early > EARLY_MS || clock() < row.fireAt) steps.set(row.id, { early: Math.max(1, Math.ceil(early)) });
      else if (isTransition(row.kind)) steps.set(row.id, { transition: row });
      else notices.push(row);
    }
    return notices;
  }

  /** Start a sweep unless one is running; its failure is logged (ticks and the reconcile catch up). */
  function startSweep(): void {
    if (sweeps.size || closed) return;
    const run: Promise<void> = sweepDue()
      .catch((err: Error) => log.warn({ err: err.message }, 'sweep of due timers failed'))
      .finally(() => sweeps.delete(run));
    sweeps.add(run);
  }

  /**
   * Fire every due notice until none is left. A sweep picks what is due (while no other sweep is
   * picking, so sweeps work on disjoint rows, each owned from then on), splits it into batches
   * of even size, SWEEP_PARALLEL rounds' worth at a time (no lone batch at the end), and fires
   * them in SWEEP_PARALLEL transactions side by side. A failure rejects once every batch has
   * run; the failed batch's rows stay pending.
   */
  async function sweepDue(): Promise<void> {
    for (;;) {
      const pick = picking.then(async () => {
        const rows = await dueTimers(db, 'notices', clock(), owners, SWEEP_PICK);
        const batches = evenBatches(rows, SWEEP_PARALLEL, SWEEP_BATCH);
        return batches.map((b) => ({ rows: b, release: own(b) }));
      });
      picking = pick.then(
        () => undefined,
        () => undefined,
      );
      const batches = await pick;
      let failure: unknown;
      await forEachLimit(batches, SWEEP_PARALLEL, async (b) => {
        try {
          if (!closed) await fireNotices(b.rows, new Map(), clock());
        } catch (err) {
          failure ??= err;
        } finally {
          b.release();
        }
      });
      if (failure) throw failure;
      if (batches.reduce((n, b) => n + b.rows.length, 0) < SWEEP_PICK || closed) return;
    }
  }

  /**
   * A tick: fire everything due by now. Its own sweep always picks after the tick began (a sweep
   * already running may have picked before this instant); then the due escalations and ends of
   * events, through the approval service. Throws if any part failed, so the tick is retried.
   */
  async function fireDue(): Promise<number> {
    await sweepDue();
    const transitions = await dueTimers(db, 'transitions', clock(), owners, PAGE);
    return fireMany(transitions.map((r) => r.id), 16, true);
  }

  async function fireNotices(notices: TimerRow[], steps: Map<string, Step>, now: Date): Promise<Map<string, Step>> {
    const result = await db.transaction(async (tx) => {
      const states = await loadRequests(tx, notices.map((r) => r.requestId).filter((x): x is string => !!x), { forUpdate: true });
      const claimed = new Set((await claimTimers(tx, notices.map((r) => r.id), now)).map((r) => r.id));
      const chains = new Map<RequestState, Chain[]>();
      const chainsOf = (s: RequestState) => chains.get(s) ?? chains.set(s, chainsFor(s, settings, now)).get(s)!;
      const writes: NoticeWrite[] = [];
      const next: PointRow[] = [];
      const stale = new Map<string, RequestState>();
      for (const row of notices) {
        if (!claimed.has(row.id)) continue;
        const s = row.requestId ? states.get(row.requestId) : undefined;
        if (!s) continue;
        const payload = row.payload as unknown as TimerPayload;
        const chain = chainsOf(s).find((c) => c.key === payload.chain);
        const point = chain?.points[payload.n];
        // The request moved on without this chain (changed by a writer without the hook): bring
        // all its timers in line with its state below.
        if (!chain || !point) {
          stale.set(s.id, s);
          continue;
        }
        const notice = noticeFor(s, chain, point, now, settings);
        if (notice) writes.push({ s, notice, key: row.id });
        // A notice changes no state: the request's other chains stand, this one moves on.
        const p = nextPointRow(s, chain, payload.n, now);
        if (p) next.push(p);
      }
      // Pipelined on the transaction's connection: one round trip for all the writes.
      const [, mirror] = await Promise.all([writeNotices(tx, writes, now), insertPoints(tx, next)]);
      const sync = await syncChains(tx, [...stale.values()], settings, now, chainsOf);
      return { claimed, wrote: writes.length > 0, sync: { mirror: [...mirror, ...sync.mirror], cancelled: sync.cancelled } };
    });
    for (const row of notices) steps.set(row.id, result.claimed.has(row.id) ? 'fired' : 'skipped');
    remember(result.claimed);
    if (result.wrote) deps.onOutbox?.();
    note(result.sync);
    flush();
    return steps;
  }

  /** Escalation and end of event change the request: through the approval service, in one transaction. */
  async function fireTransition(row: { id: string; requestId: string | null; kind: string }): Promise<FireOutcome> {
    if (!row.requestId) return 'skipped';
    const trigger = row.kind === 'escalate' ? 'deadline_passed' : 'event_ended';
    try {
      const r = await deps.approvals().advance(row.requestId, trigger, null, `timer:${row.id}`);
      if (r.ok && !r.duplicate) return 'fired'; // the hook claimed the row and continued the chain
      log.debug({ timer: row.id, trigger, outcome: r.ok ? 'duplicate' : r.message.key }, 'timer transition not applied');
    } catch (err) {
      if (err instanceof TimerAlreadyHandledError) return 'skipped';
      throw err;
    }
    await settle(row.id, row.requestId);
    return 'skipped';
  }

  /** Fire one timer. Safe to call from any number of places at once: the row is claimed once. */
  async function fire(id: string): Promise<FireOutcome> {
    const step = await viaBatch(id);
    if (typeof step === 'object' && 'missing' in step) throw new TimerMissingError(id);
    if (typeof step === 'object' && 'transition' in step) return fireTransition(step.transition);
    return step;
  }

  // ---- Reconcile: Redis may lose anything; Postgres loses nothing

  /** Fire these timers, `parallel` at a time; returns how many this call fired. Failures are logged (or, with `strict`, rethrown at the end). */
  async function fireMany(ids: string[], parallel = 16, strict = false): Promise<number> {
    let fired = 0;
    let failure: Error | undefined;
    await forEachLimit(ids, parallel, async (id) => {
      try {
        if ((await fire(id)) === 'fired') fired++;
      } catch (err) {
        failure = err as Error;
        log.warn({ err: (err as Error).message, timer: id }, 'overdue timer failed to fire');
      }
    });
    if (strict && failure) throw failure;
    return fired;
  }

  /**
   * Fire what is overdue and make sure every pending timer (or, periodically, every one due
   * before the next run) has its delayed job. Re-adding an existing job id changes nothing.
   */
  async function reconcile(opts: { full?: boolean } = {}): Promise<{ overdue: number; fired: number; mirrored: number; ms: number }> {
    const started = Date.now();
    const now = clock();
    await flushNow();
    let overdue = 0;
    let fired = 0;
    for (;;) {
      const page = await pendingPage(db, { until: now, limit: PAGE });
      if (!page.length) break;
      overdue += page.length;
      fired += await fireMany(page.map((p) => p.id));
      if (page.length < PAGE) break;
      // What could not be fired stays pending; do not spin on it.
      const again = await pendingPage(db, { until: now, limit: 1 });
      if (again[0]?.id === page[0]?.id) break;
    }
    const until = opts.full ? undefined : new Date(now.getTime() + 2 * reconcileEveryMs);
    let mirrored = 0;
    let after: { fireAt: Date; id: string } | undefined;
    for (;;) {
      const page = await pendingPage(db, { from: now, limit: PAGE, ...(after ? { after } : {}), ...(until ? { until } : {}) });
      if (!page.length) break;
      mirrored += await mirror(page);
      after = page.at(-1)!;
      if (page.length < PAGE) break;
    }
    const ms = Date.now() - started;
    log.info({ overdue, fired, mirrored, ms, full: !!opts.full }, 'timers reconciled');
    return { overdue, fired, mirrored, ms };
  }

  // ---- The worker

  async function sleepUntil(job: Job<ScheduleJob>, at: number, token?: string): Promise<never> {
    await job.moveToDelayed(at, token);
    throw new DelayedError();
  }

  /** Run a job's work; on failure, retry it later with backoff (after MAX_TRIES, the reconcile fires what it left). */
  async function orRetry<T>(job: Job<ScheduleJob>, token: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (job.attemptsStarted >= MAX_TRIES) throw new UnrecoverableError((err as Error).message);
      log.warn({ err: (err as Error).message, job: job.id, attempt: job.attemptsStarted }, `${job.data.type} failed, retrying`);
      return sleepUntil(job, Date.now() + 500 * 2 ** job.attemptsStarted, token);
    }
  }

  async function processJob(job: Job<ScheduleJob>, token?: string): Promise<void> {
    switch (job.data.type) {
      case 'tick': {
        // Woken well before its instant (a replica's clock ahead of the one that added it): back
        // to the queue; within the lead: wait here.
        const at = tickAt(job.id!);
        if (Date.now() < at - 2 * TICK_LEAD_MS) await sleepUntil(job, at - TICK_LEAD_MS, token);
        if (Date.now() < at) await new Promise((r) => setTimeout(r, at - Date.now()));
        await orRetry(job, token, () => fireDue());
        return;
      }
      case 'timer': {
        const outcome = await orRetry(job, token, () => fire(job.id!));
        if (typeof outcome === 'object') await sleepUntil(job, Date.now() + outcome.early, token);
        return;
      }
      case 'reconcile':
        await reconcile();
        await pruneProcessedEvents(db, clock());
        await deps.onReconcile?.().catch((err: unknown) => log.warn({ err }, 'reconcile housekeeping failed'));
        return;
      case 'digest':
        await runDigest();
        return;
      default:
        return;
    }
  }

  function createWorker(connection: Redis): Worker<ScheduleJob> {
    const w = new Worker<ScheduleJob>(QUEUE_NAMES.schedule, processJob, {
      connection,
      prefix: deps.prefix,
      autorun: false,
      concurrency: deps.concurrency ?? 128,
      ...WORKER_LOCKS,
      removeOnComplete: { count: 0 },
      removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
    });
    w.on('error', (err) => log.error({ err, queue: w.name }, 'worker error'));
    return w;
  }

  // ---- The daily digest

  /** One person's digest for a day (default today), as data and as text; sends nothing. */
  async function digestFor(personId: string, date?: string): Promise<{ digest: Digest; text: string }> {
    const now = clock();
    const day = date ?? deps.calendar.localDate(now);
    const digest = composeDigest(await digestInput(db, settings, personId, now, day), settings.clock);
    return { digest, text: renderDigest(digest, { locale: deps.locale, clock: settings.clock, personName: (id) => dir.personName(id) }) };
  }

  /**
   * On a working day, one digest per manager: the digests_sent insert decides who sends (any
   * number of replicas, retries, catch-ups at start-up), in the transaction that writes the message.
   */
  async function runDigest(): Promise<{ date: string; sent: string[] }> {
    const now = clock();
    const date = deps.calendar.localDate(now);
    const sent: string[] = [];
    if (!deps.calendar.isWorkday(date)) return { date, sent };
    const allClear = dir.org.organisation.digest.allClear;
    // Skip the (query-heavy) composition for managers already served today; the insert below
    // still decides between replicas racing on the same manager.
    const done = new Set((await db.select({ managerId: digestsSent.managerId }).from(digestsSent).where(eq(digestsSent.day, date))).map((r) => r.managerId));
    for (const managerId of dir.managers()) {
      if (done.has(managerId)) continue;
      const { digest, text } = await digestFor(managerId, date);
      if (digest.empty && !allClear) continue;
      const message: MessageIntent = { key: 'digest.message', params: { text } };
      const won = await db.transaction(async (tx) => {
        const [row] = await tx.insert(digestsSent).values({ managerId, day: date }).onConflictDoNothing().returning({ managerId: digestsSent.managerId });
        if (!row) return false;
        await writeOutboxRows(tx, null, [{ kind: 'notify', people: [managerId], message }], `digest:${managerId}:${date}`);
        return true;
      });
      if (won) sent.push(managerId);
    }
    if (sent.length) deps.onOutbox?.();
    log.info({ date, sent: sent.length }, 'daily digest');
    return { date, sent };
  }

  // ---- 催办 by the applicant

  /** The 催办 command: `ref` is the request id or its number (A-0001). Returns what to tell the applicant. */
  async function nudge(ref: string, personId: string, platform: Origin | null = null): Promise<{ ok: boolean; message: MessageIntent }> {
    const now = clock();
    const result = await db.transaction(async (tx) => {
      const s = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref) ? await loadRequest(tx, ref, { forUpdate: true }) : await loadRequestByNumber(tx, ref.trim(), { forUpdate: true });
      if (!s) return { ok: false, message: { key: 'refuse.unknown_request' as const, params: {} } };
      const [last] = await tx
        .select({ at: auditLog.at })
        .from(auditLog)
        .where(and(eq(auditLog.requestId, s.id), eq(auditLog.action, 'nudged')))
        .orderBy(desc(auditLog.id))
        .limit(1);
      const r = nudgeRule(s, { personId, platform }, last?.at, now, settings);
      if (!r.ok) return r;
      await writeNotice(tx, s, r.notice, `nudge-${s.id}-${now.getTime()}`, now);
      return { ok: true, message: r.message };
    });
    if (result.ok) deps.onOutbox?.();
    return result;
  }

  // ---- Life cycle

  const digestTime = dir.org.organisation.digest.time;

  async function recover(): Promise<void> {
    const [hh, mm] = digestTime.split(':').map(Number);
    await queue.upsertJobScheduler('digest', { pattern: `${mm} ${hh} * * *`, tz: dir.timezone }, { name: 'digest', data: { type: 'digest' } });
    await queue.upsertJobScheduler('reconcile', { every: reconcileEveryMs }, { name: 'reconcile', data: { type: 'reconcile' } });
    await reconcile({ full: true });
    // Down at digest time: send today's digest now (still once per manager and day).
    const now = clock();
    const date = deps.calendar.localDate(now);
    const end = dir.org.organisation.businessHours.end;
    if (deps.calendar.isWorkday(date) && now >= deps.calendar.atLocalTime(date, digestTime) && now < deps.calendar.atLocalTime(date, end)) await runDigest();
  }

  return {
    queue,
    settings,
    onTransition,
    flush,
    mirror,
    fire,
    reconcile,
    createWorker,
    digestFor,
    runDigest,
    nudge,
    /**
     * Worker role: register the repeating jobs, reconcile, catch up on today's digest, then
     * recount open deadlines if the holiday calendar changed since the last start (a failure
     * is logged; the next start tries again).
     */
    async start(): Promise<void> {
      await recover();
      await recountDeadlines({ db, calendar: deps.calendar, approvals: deps.approvals, timezone: dir.timezone, log, now: clock() }).catch((err: unknown) =>
        log.error({ err }, 'recounting deadlines after a calendar change failed'),
      );
    },
    /**
     * Redis lost its state (a flush, a failover to an empty replica, eviction): the same as a
     * start — the job schedulers again, every pending timer mirrored again, what fell due fired.
     */
    recover,
    /** Whether Redis still holds the repeating jobs (false after it lost its state). */
    async schedulersPresent(): Promise<boolean> {
      const [digest, periodic] = await Promise.all([queue.getJobScheduler('digest'), queue.getJobScheduler('reconcile')]);
      return !!digest && !!periodic;
    },
    /** Close the producer side (after the workers). */
    async close(): Promise<void> {
      closed = true;
      await Promise.all(sweeps);
      await flushNow().catch(() => {});
      await flushing.catch(() => {});
      await queue.close();
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
