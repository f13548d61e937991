// Firing timers. Any number of workers, replicas and reconciles may fire the same row; its claim
// (a conditional UPDATE) lets one win. Timers fire in batches (group commit): the ids that arrive
// while a batch runs form the next one, read with one query. Notices are fired a batch per
// transaction (fire-notices.ts); escalations and ends of events are transitions and go through
// the approval service one by one.
import type { Logger } from 'pino';
import type { ScheduleSettings } from '../core/reminders.js';
import type { Approvals } from '../services/approvals.js';
import type { SchedulerStore } from '../store/scheduler-store.js';
import { isTransition, TimerAlreadyHandledError, type TimerRow } from '../store/timers-repo.js';
import { forEachLimit } from '../util/for-each-limit.js';
import { groupCommit } from '../util/group-commit.js';
import { fireNotices } from './fire-notices.js';
import type { TimerMirror } from './mirror.js';
import type { SchedulerState } from './state.js';
import { createSweeper } from './sweep.js';
import { EARLY_MS } from './ticks.js';

export type FireOutcome = 'fired' | 'skipped' | { early: number };
type Step = FireOutcome | { transition: TimerRow } | { missing: true };

const MAX_BATCH = 500;
/** Most due transitions a tick fires (the rest: the next tick or the reconcile). */
const TRANSITIONS_PER_TICK = 5000;

class TimerMissingError extends Error {
  constructor(id: string) {
    super(`timer ${id} not found (not committed yet, or rolled back)`);
    this.name = 'TimerMissingError';
  }
}

export interface FireDeps {
  store: Pick<SchedulerStore, 'read' | 'due' | 'transaction'>;
  state: SchedulerState;
  settings: ScheduleSettings;
  clock: () => Date;
  delayMs: (at: Date) => number;
  log: Logger;
  mirror: Pick<TimerMirror, 'push'>;
  /** The approval service (escalations and ends of events are its transitions). */
  approvals: () => Approvals;
  /** Outbox rows were written outside the approval service (kick the relay). */
  onOutbox?: () => void;
}

/** What a read row asks for now: nothing (fired, cancelled, not due yet), a transition, or a notice to fire. */
function stepOf(row: TimerRow, now: Date, early: number): Step | 'notice' {
  if (row.firedAt || row.cancelledAt) return 'skipped';
  // Woken early (a moved fire time, rounding, clock skew): sleep again until the app's clock is there.
  if (early > EARLY_MS || now < row.fireAt) return { early: Math.max(1, Math.ceil(early)) };
  return isTransition(row.kind) ? { transition: row } : 'notice';
}

export function createFiring(deps: FireDeps) {
  const { store, state, log } = deps;
  const sweeper = createSweeper({ store, state, clock: deps.clock, log, fireBatch });
  const viaBatch = groupCommit<string, Step>(
    async (ids) => {
      const steps = await runBatch([...new Set(ids)]);
      return ids.map((id) => steps.get(id) ?? 'skipped');
    },
    { maxBatch: MAX_BATCH, maxInFlight: 3 },
  );

  async function fireBatch(rows: TimerRow[], now: Date): Promise<Set<string>> {
    const result = await fireNotices(store, deps.settings, rows, now);
    state.remember(result.claimed);
    if (result.wrote) deps.onOutbox?.();
    deps.mirror.push(result.sync);
    return result.claimed;
  }

  async function runBatch(ids: string[]): Promise<Map<string, Step>> {
    const steps = new Map<string, Step>();
    const waitFor: string[] = [];
    const unknown: string[] = [];
    for (const id of ids) {
      if (state.hasFired(id)) steps.set(id, 'skipped');
      else if (state.owners.has(id)) waitFor.push(id);
      else unknown.push(id);
    }
    const notices = unknown.length ? await readDue(unknown, steps) : [];
    // Timers another batch or a sweep is firing (picked meanwhile, too): wait for that attempt,
    // then look again (fired, or pending still if it failed), instead of queueing on its row locks.
    const free = notices.filter((r) => !state.owners.has(r.id));
    waitFor.push(...notices.filter((r) => state.owners.has(r.id)).map((r) => r.id));
    const fireFree = async () => {
      if (!free.length) return;
      const release = state.own(free);
      try {
        const claimed = await fireBatch(free, deps.clock());
        for (const row of free) steps.set(row.id, claimed.has(row.id) ? 'fired' : 'skipped');
      } finally {
        release();
      }
      sweeper.startSweep();
    };
    const lookAgain = async (): Promise<Map<string, Step>> => {
      if (!waitFor.length) return new Map();
      await Promise.all(waitFor.map((id) => state.owners.get(id)));
      return runBatch(waitFor);
    };
    const [, again] = await Promise.all([fireFree(), lookAgain()]);
    for (const [id, step] of again) steps.set(id, step);
    return steps;
  }

  /** Reads timers; records in `steps` those with nothing to fire now, returns the due notices. */
  async function readDue(ids: string[], steps: Map<string, Step>): Promise<TimerRow[]> {
    const rows = await store.read(ids);
    const notices: TimerRow[] = [];
    const found = new Set(rows.map((r) => r.id));
    for (const id of ids) if (!found.has(id)) steps.set(id, { missing: true });
    for (const row of rows) {
      const step = stepOf(row, deps.clock(), deps.delayMs(row.fireAt));
      if (step === 'notice') notices.push(row);
      else steps.set(row.id, step);
    }
    return notices;
  }

  /** Close a timer whose transition was refused or already applied, and continue its chain. */
  async function settle(id: string, requestId: string): Promise<void> {
    const now = deps.clock();
    const sync = await store.transaction(async (q) => {
      const s = await q.lockRequest(requestId); // request before timer: the lock order of every transition
      if (!(await q.claim(id, now)) || !s) return undefined;
      return q.syncChains(s, deps.settings, now);
    });
    if (sync) deps.mirror.push(sync);
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
   * A tick: fire everything due by now. Its own sweep always picks after the tick began (a sweep
   * already running may have picked before this instant); then the due escalations and ends of
   * events, through the approval service. Throws if any part failed, so the tick is retried.
   */
  async function fireDue(): Promise<number> {
    await sweeper.sweepDue();
    const transitions = await store.due('transitions', deps.clock(), state.owners, TRANSITIONS_PER_TICK);
    return fireMany(transitions.map((r) => r.id), 16, true);
  }

  return { fire, fireMany, fireDue };
}

export type Firing = ReturnType<typeof createFiring>;
