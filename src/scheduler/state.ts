// The scheduler's in-process state, in one place: which timers are being fired right now (and by
// which attempt), which this process fired, the sweeps running, and whether it is closing. Owned
// by the scheduler's factory (index.ts), handed to the parts that read or change it; everything
// here is an optimisation or a shutdown flag — Postgres's claims decide what fires.

/** Bound on remembered fired timers; the oldest are forgotten first. */
const FIRED_MEMORY = 100_000;

export class SchedulerState {
  /** Set by close(): no new flush timers, sweeps or batches. */
  closed = false;
  /**
   * Timers being fired right now (by a batch or a sweep), each with the promise of that attempt.
   * A job whose timer is owned waits for the owner instead of queueing on its row locks, then
   * reads the outcome (fired, or still pending if the owner failed).
   */
  readonly owners = new Map<string, Promise<void>>();
  /** Sweeps running (at most one starts at a time; close() waits for them). */
  readonly sweeps = new Set<Promise<void>>();
  /** The last sweep's pick of due rows: the next one picks after it, so sweeps work on disjoint rows. */
  picking: Promise<void> = Promise.resolve();
  /**
   * Timers this process fired (claimed and committed). A fired row never goes back to pending,
   * so the job of one completes without a query: in a burst the sweeps fire most timers before
   * their jobs come up.
   */
  private readonly fired = new Set<string>();

  /** Own these timers until the returned release is called (after the attempt, whatever its outcome). */
  own(rows: Array<{ id: string }>): () => void {
    let done!: () => void;
    const attempt = new Promise<void>((r) => (done = r));
    for (const r of rows) this.owners.set(r.id, attempt);
    return () => {
      for (const r of rows) if (this.owners.get(r.id) === attempt) this.owners.delete(r.id);
      done();
    };
  }

  hasFired(id: string): boolean {
    return this.fired.has(id);
  }

  remember(ids: Iterable<string>): void {
    for (const id of ids) this.fired.add(id);
    if (this.fired.size <= FIRED_MEMORY) return;
    let excess = this.fired.size - Math.floor(FIRED_MEMORY * 0.9);
    for (const id of this.fired) {
      if (excess-- <= 0) break;
      this.fired.delete(id);
    }
  }
}
