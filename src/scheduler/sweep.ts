// Sweeps: fire every due notice until none is left, in batches side by side. A tick sweeps; so
// does a batch that fired something (a burst: claim what else is due now instead of waiting for
// each job's turn in the queue — those jobs then find their timer owned or fired and do nothing).
import type { Logger } from 'pino';
import type { SchedulerStore } from '../store/scheduler-store.js';
import type { TimerRow } from '../store/timers-repo.js';
import { evenBatches } from '../util/even-batches.js';
import { forEachLimit } from '../util/for-each-limit.js';
import type { SchedulerState } from './state.js';

/** A sweep picks up to SWEEP_PICK due rows at once and fires them in SWEEP_PARALLEL transactions at a time of up to SWEEP_BATCH rows. */
const SWEEP_PICK = 10_000;
const SWEEP_BATCH = 1000;
const SWEEP_PARALLEL = 2;

export interface SweepDeps {
  store: Pick<SchedulerStore, 'due'>;
  state: SchedulerState;
  clock: () => Date;
  log: Logger;
  /** Fire one batch of due notices in one transaction. */
  fireBatch: (rows: TimerRow[], now: Date) => Promise<unknown>;
}

export function createSweeper(deps: SweepDeps) {
  const { store, state, clock } = deps;

  /**
   * Fire every due notice until none is left. A sweep picks what is due (while no other sweep is
   * picking, so sweeps work on disjoint rows, each owned from then on), splits it into batches
   * of even size, SWEEP_PARALLEL rounds' worth at a time (no lone batch at the end), and fires
   * them in SWEEP_PARALLEL transactions side by side. A failure rejects once every batch has
   * run; the failed batch's rows stay pending.
   */
  async function sweepDue(): Promise<void> {
    for (;;) {
      const pick = state.picking.then(async () => {
        const rows = await store.due('notices', clock(), state.owners, SWEEP_PICK);
        const batches = evenBatches(rows, SWEEP_PARALLEL, SWEEP_BATCH);
        return batches.map((b) => ({ rows: b, release: state.own(b) }));
      });
      state.picking = pick.then(
        () => undefined,
        () => undefined,
      );
      const batches = await pick;
      let failure: unknown;
      await forEachLimit(batches, SWEEP_PARALLEL, async (b) => {
        try {
          if (!state.closed) await deps.fireBatch(b.rows, clock());
        } catch (err) {
          failure ??= err;
        } finally {
          b.release();
        }
      });
      if (failure) throw failure;
      if (batches.reduce((n, b) => n + b.rows.length, 0) < SWEEP_PICK || state.closed) return;
    }
  }

  /** Start a sweep unless one is running; its failure is logged (ticks and the reconcile catch up). */
  function startSweep(): void {
    if (state.sweeps.size || state.closed) return;
    const run: Promise<void> = sweepDue()
      .catch((err: Error) => deps.log.warn({ err: err.message }, 'sweep of due timers failed'))
      .finally(() => state.sweeps.delete(run));
    state.sweeps.add(run);
  }

  return { sweepDue, startSweep };
}
