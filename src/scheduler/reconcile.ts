// Reconcile: Redis may lose anything, Postgres loses nothing. At start-up and after Redis lost its
// state (every pending timer within the mirror horizon) and every few minutes (those due before
// the next run, and those that entered the horizon since the last run), fire what is overdue and
// re-add the delayed job of every pending timer; adding an existing job id changes nothing.
// Timers further out than the horizon stay in Postgres alone until they come within it.
import type { Logger } from 'pino';
import type { SchedulerStore } from '../store/scheduler-store.js';
import type { Firing } from './fire.js';
import type { TimerMirror } from './mirror.js';

const PAGE = 5000;

export interface ReconcileDeps {
  store: Pick<SchedulerStore, 'pendingPage'>;
  mirror: Pick<TimerMirror, 'mirror' | 'flushNow'>;
  fireMany: Firing['fireMany'];
  clock: () => Date;
  log: Logger;
  /** How often the periodic reconcile runs: it mirrors what falls due before the one after next. */
  everyMs: number;
  /** The mirror horizon (app ms): what falls due further out is mirrored once it comes within it (none: everything). */
  horizonMs?: number;
}

export interface ReconcileResult {
  overdue: number;
  fired: number;
  mirrored: number;
  ms: number;
}

export function createReconcile(deps: ReconcileDeps) {
  const { store, mirror, clock } = deps;
  /** How far (app time) this process's reconciles have mirrored: the next periodic one starts a little before it. */
  let mirroredUntil: number | undefined;

  /** Fire what is overdue (page by page); returns how many were overdue and how many this call fired. */
  async function fireOverdue(now: Date): Promise<{ overdue: number; fired: number }> {
    let overdue = 0;
    let fired = 0;
    for (;;) {
      const page = await store.pendingPage({ until: now, limit: PAGE });
      if (!page.length) break;
      overdue += page.length;
      fired += await deps.fireMany(page.map((p) => p.id));
      if (page.length < PAGE) break;
      // What could not be fired stays pending; do not spin on it.
      const again = await store.pendingPage({ until: now, limit: 1 });
      if (again[0]?.id === page[0]?.id) break;
    }
    return { overdue, fired };
  }

  /** Mirror the pending timers due after `now` (until `until`, if given); returns how many are covered. */
  async function mirrorPending(now: Date, until: Date | undefined): Promise<number> {
    let mirrored = 0;
    let after: { fireAt: Date; id: string } | undefined;
    for (;;) {
      const page = await store.pendingPage({ from: now, limit: PAGE, ...(after ? { after } : {}), ...(until ? { until } : {}) });
      if (!page.length) break;
      mirrored += await mirror.mirror(page);
      after = page.at(-1)!;
      if (page.length < PAGE) break;
    }
    return mirrored;
  }

  /**
   * The spans to mirror: everything within the horizon (full, or when this process has not
   * mirrored yet), else what falls due before the next run plus what entered the horizon since
   * the last run (from one period before where that run stopped, in case this run is late).
   */
  function spans(now: number, full: boolean): Array<{ from: number; until: number | undefined }> {
    const h = deps.horizonMs;
    const near = now + 2 * deps.everyMs;
    if (h === undefined) return [{ from: now, until: full ? undefined : near }];
    const end = now + h;
    if (full || mirroredUntil === undefined || end <= near) return [{ from: now, until: end }];
    const from = Math.max(near, Math.min(end, mirroredUntil - deps.everyMs));
    return [
      { from: now, until: near },
      { from, until: end },
    ];
  }

  /**
   * Fire what is overdue and make sure every pending timer within the horizon (or, periodically,
   * every one due before the next run and every one that entered the horizon) has its delayed job.
   */
  return async function reconcile(opts: { full?: boolean } = {}): Promise<ReconcileResult> {
    const started = Date.now();
    const now = clock();
    await mirror.flushNow();
    const { overdue, fired } = await fireOverdue(now);
    let mirrored = 0;
    for (const span of spans(now.getTime(), !!opts.full)) mirrored += await mirrorPending(new Date(span.from), span.until === undefined ? undefined : new Date(span.until));
    if (deps.horizonMs !== undefined) mirroredUntil = now.getTime() + deps.horizonMs;
    const ms = Date.now() - started;
    deps.log.info({ overdue, fired, mirrored, ms, full: !!opts.full }, 'timers reconciled');
    return { overdue, fired, mirrored, ms };
  };
}

export type Reconcile = ReturnType<typeof createReconcile>;
