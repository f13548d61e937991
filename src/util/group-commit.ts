// Group commit: calls that arrive while a batch is running wait and form the next batch, so a
// burst shares round trips (Redis, Postgres) instead of paying one per call, and a lone call is
// never delayed (it runs at once when nothing is in flight). Used by inbound ingest and by the
// scheduler's timer firing.

export interface GroupCommitOptions {
  /** Largest batch handed to `run`. */
  maxBatch: number;
  /** Batches running at once; more arrive queued until one finishes. */
  maxInFlight: number;
}

/**
 * Wraps `run(items) → results` (one result per item, same order) as a per-item function. A
 * rejected batch rejects every call in it.
 */
export function groupCommit<I, O>(run: (items: I[]) => Promise<O[]>, opts: GroupCommitOptions): (item: I) => Promise<O> {
  type Pending = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  const queued: Pending[] = [];
  let inFlight = 0;

  function pump(): void {
    while (inFlight < opts.maxInFlight && queued.length) {
      const batch = queued.splice(0, opts.maxBatch);
      inFlight++;
      // run() may throw synchronously; the async wrapper turns that into a rejection. The slot is
      // freed before the callers hear back, so a caller that calls again at once finds it free.
      (async () => run(batch.map((b) => b.item)))().then(
        (results) => {
          inFlight--;
          batch.forEach((b, i) => b.resolve(results[i]!));
          pump();
        },
        (err: unknown) => {
          inFlight--;
          batch.forEach((b) => b.reject(err));
          pump();
        },
      );
    }
  }

  return (item: I) =>
    new Promise<O>((resolve, reject) => {
      queued.push({ item, resolve, reject });
      pump();
    });
}
