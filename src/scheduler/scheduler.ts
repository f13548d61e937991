// The scheduler: deadlines, reminders (催办), escalation, event prompts and the daily digest.
//
// Postgres is the truth: every pending point is a `timers` row written in the transaction of the
// state change that needs it (the approvals service's onTransition hook). BullMQ mirrors each
// pending row as a small delayed job whose id is the row id. Firing claims the row with a
// conditional UPDATE, so any number of workers, replicas and reconciles fire it once; a
// reconcile at start-up and on a schedule re-creates what Redis lost and fires what is overdue.
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { WorkCalendar } from '../core/calendar/index.js';
import { composeDigest, renderDigest, type Digest } from '../core/digest.js';
import type { Locale } from '../core/messages.js';
import type { MessageIntent, Origin, RequestState, TransitionOk } from '../core/model.js';
import { chainsFor, noticeFor, nudge as nudgeRule, settingsFrom, type Chain, type ScheduleSettings } from '../core/reminders.js';
import type { Directory } from '../org/directory.js';
import { QUEUE_NAMES, type ScheduleJob } from '../queue/jobs.js';
import type { Approvals } from '../services/approvals.js';
import type { Database, DbOrTx } from '../store/db.js';
import { loadRequest, loadRequestByNumber, loadRequests } from '../store/requests-repo.js';
import { auditLog, digestsSent, timers } from '../store/schema.js';
import { pruneProcessedEvents } from '../store/retention.js';
import { groupCommit } from '../util/group-commit.js';
import { digestInput } from './digest-data.js';
import {
  claimEscalation,
  claimKind,
  claimTimer,
  claimTimers,
  dueNotices,
  pendingPage,
  syncChains,
  TimerAlreadyHandledError,
  writeNotice,
  writeNotices,
  writeOutboxRows,
  type NoticeWrite,
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
  concurrency?: number;
  /** Mirror in Redis only timers due within this window; the periodic reconcile adds the rest as they come near. */
  mirrorHorizonMs?: number;
}

export type FireOutcome = 'fired' | 'skipped' | { early: number };

/** Jobs that fire earlier than this (real ms) are put back to sleep until their time. */
const EARLY_MS = 50;
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

  /** Add delayed jobs for these pending timers (an existing job id is left as it is). */
  async function mirror(list: Mirror[]): Promise<number> {
    const horizon = deps.mirrorHorizonMs;
    const jobs = list
      .map((x) => ({ x, delay: Math.max(0, Math.ceil(delayMs(x.fireAt))) }))
      .filter(({ delay }) => horizon === undefined || delay <= horizon)
      .map(({ x, delay }) => ({ name: 'timer', data: { type: 'timer' } as ScheduleJob, opts: { jobId: x.id, delay } }));
    for (let i = 0; i < jobs.length; i += 1000) await queue.addBulk(jobs.slice(i, i + 1000));
    return jobs.length;
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
      // Cancelled timers would fire into a no-op; removing them keeps Redis at one job per deadline.
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
  const SWEEP_BATCH = 1000;
  /**
   * Timers being fired right now (by a batch or a sweep), each with the promise of that attempt.
   * A job whose timer is owned waits for the owner instead of queueing on its row locks, then
   * reads the outcome (fired, or still pending if the owner failed).
   */
  const owners = new Map<string, Promise<void>>();
  const sweeps = new Set<Promise<void>>();
  let picking: Promise<void> = Promise.resolve();
  const MAX_SWEEPS = 2;

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
      startSweeps();
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
    const rows = await db.select().from(timers).where(inArray(timers.id, ids));
    const notices: TimerRow[] = [];
    const found = new Set(rows.map((r) => r.id));
    for (const id of ids) if (!found.has(id)) steps.set(id, { missing: true });
    for (const row of rows) {
      const early = delayMs(row.fireAt);
      if (row.firedAt || row.cancelledAt) steps.set(row.id, 'skipped');
      // Woken early (a moved fire time, rounding, clock skew): sleep again until the app's clock is there.
      else if (early > EARLY_MS || clock() < row.fireAt) steps.set(row.id, { early: Math.max(1, Math.ceil(early)) });
      else if (row.kind === 'escalate' || row.kind === 'event_end') steps.set(row.id, { transition: row });
      else notices.push(row);
    }
    return notices;
  }

  function startSweeps(): void {
    while (sweeps.size < MAX_SWEEPS && !closed) {
      const run: Promise<void> = sweepDue().finally(() => sweeps.delete(run));
      sweeps.add(run);
    }
  }

  /** Fire every due notice, SWEEP_BATCH per transaction, until none is left (two sweeps per process, on disjoint rows). */
  async function sweepDue(): Promise<void> {
    try {
      for (;;) {
        const now = clock();
        // Pick rows one sweep at a time, so concurrent sweeps work on disjoint sets; the rows are
        // owned from the moment they are picked.
        const pick = picking.then(async () => {
          const rows = await dueNotices(db, now, owners, SWEEP_BATCH);
          return { rows, release: own(rows) };
        });
        picking = pick.then(
          () => undefined,
          () => undefined,
        );
        const { rows, release } = await pick;
        try {
          if (!rows.length || closed) return;
          await fireNotices(rows, new Map(), now);
        } finally {
          release();
        }
        if (rows.length < SWEEP_BATCH) return;
      }
    } catch (err) {
      // The timers stay pending: their own jobs, or the reconcile, fire them.
      log.warn({ err: (err as Error).message }, 'sweep of due timers failed');
    }
  }

  async function fireNotices(notices: TimerRow[], steps: Map<string, Step>, now: Date): Promise<Map<string, Step>> {
    const result = await db.transaction(async (tx) => {
      const states = await loadRequests(tx, notices.map((r) => r.requestId).filter((x): x is string => !!x), { forUpdate: true });
      const claimed = new Set((await claimTimers(tx, notices.map((r) => r.id), now)).map((r) => r.id));
      const touched = new Map<string, RequestState>();
      const chains = new Map<RequestState, Chain[]>();
      const chainsOf = (s: RequestState) => chains.get(s) ?? chains.set(s, chainsFor(s, settings, now)).get(s)!;
      const writes: NoticeWrite[] = [];
      for (const row of notices) {
        if (!claimed.has(row.id)) continue;
        const s = row.requestId ? states.get(row.requestId) : undefined;
        if (!s) continue;
        touched.set(s.id, s);
        const payload = row.payload as unknown as TimerPayload;
        const chain = chainsOf(s).find((c) => c.key === payload.chain);
        const point = chain?.points[payload.n];
        const notice = chain && point ? noticeFor(s, chain, point, now, settings) : undefined;
        if (notice) writes.push({ s, notice, key: row.id });
      }
      await writeNotices(tx, writes, now);
      return { claimed, wrote: writes.length > 0, sync: await syncChains(tx, [...touched.values()], settings, now, chainsOf) };
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

  async function fireMany(ids: string[], parallel = 16): Promise<number> {
    let fired = 0;
    let next = 0;
    const run = async () => {
      while (next < ids.length) {
        const id = ids[next++]!;
        try {
          if ((await fire(id)) === 'fired') fired++;
        } catch (err) {
          log.warn({ err: (err as Error).message, timer: id }, 'overdue timer failed to fire');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, ids.length) }, run));
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

  async function processJob(job: Job<ScheduleJob>, token?: string): Promise<void> {
    switch (job.data.type) {
      case 'timer': {
        const id = job.id!;
        let outcome: FireOutcome;
        try {
          outcome = await fire(id);
        } catch (err) {
          if (job.attemptsStarted >= MAX_TRIES) throw new UnrecoverableError((err as Error).message); // the reconcile fires it later
          log.warn({ err: (err as Error).message, timer: id, attempt: job.attemptsStarted }, 'timer failed, retrying');
          await job.moveToDelayed(Date.now() + 500 * 2 ** job.attemptsStarted, token);
          throw new DelayedError();
        }
        if (typeof outcome === 'object') {
          await job.moveToDelayed(Date.now() + outcome.early, token);
          throw new DelayedError();
        }
        return;
      }
      case 'reconcile':
        await reconcile();
        await pruneProcessedEvents(db, clock());
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
      const s = /^[0-9a-f-]{36}$/i.test(ref) ? await loadRequest(tx, ref, { forUpdate: true }) : await loadRequestByNumber(tx, ref.trim(), { forUpdate: true });
      if (!s) return { ok: false, message: { key: 'refuse.unknown_request', params: {} } };
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
    /** Worker role: register the repeating jobs, reconcile, catch up on today's digest. */
    async start(): Promise<void> {
      const [hh, mm] = digestTime.split(':').map(Number);
      await queue.upsertJobScheduler('digest', { pattern: `${mm} ${hh} * * *`, tz: dir.timezone }, { name: 'digest', data: { type: 'digest' } });
      await queue.upsertJobScheduler('reconcile', { every: reconcileEveryMs }, { name: 'reconcile', data: { type: 'reconcile' } });
      await reconcile({ full: true });
      // Down at digest time: send today's digest now (still once per manager and day).
      const now = clock();
      const date = deps.calendar.localDate(now);
      const end = dir.org.organisation.businessHours.end;
      if (deps.calendar.isWorkday(date) && now >= deps.calendar.atLocalTime(date, digestTime) && now < deps.calendar.atLocalTime(date, end)) await runDigest();
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
