// Lock and stalled-job settings shared by every BullMQ worker. Our jobs are short (milliseconds to
// a few seconds), so a job whose worker died (kill -9, OOM, a lost host) is given back within a
// few seconds instead of BullMQ's default 30–60 s: its lock lapses after `lockDuration`, and a
// stalled check runs every `stalledInterval` (also at once when a worker starts). A live worker
// renews its locks every `lockRenewTime`, so only an event loop blocked for 3 s loses one; the job
// then runs again, which every processor tolerates (idempotency keys, claims, `deliveries_done`),
// and `maxStalledCount` is raised so that rare double run does not fail the job.
export const WORKER_LOCKS = {
  lockDuration: 4_000,
  lockRenewTime: 1_000,
  stalledInterval: 1_000,
  maxStalledCount: 3,
} as const;
