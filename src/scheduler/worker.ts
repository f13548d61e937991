// The schedule queue's worker: ticks sweep what is due, a timer's own job fires its row, the
// periodic reconcile re-mirrors and does housekeeping, the digest job sends the daily digest. A
// job that must wait (woken early) or retry goes back to delayed itself, so retries and sleeps
// never count as failures.
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { QUEUE_NAMES, type ScheduleJob } from '../queue/jobs.js';
import { SCHEDULE_JOB_RETENTION } from '../queue/queues.js';
import { WORKER_LOCKS } from '../queue/worker-options.js';
import type { FireOutcome } from './fire.js';
import { TICK_LEAD_MS, tickAt } from './ticks.js';

const MAX_TRIES = 6;

export interface ScheduleWorkerDeps {
  log: Logger;
  /** Fire one timer (a `timer` job's id is its row id). */
  fire: (id: string) => Promise<FireOutcome>;
  /** A tick: fire everything due by now. */
  fireDue: () => Promise<unknown>;
  /** The periodic reconcile and its housekeeping. */
  reconcile: () => Promise<unknown>;
  runDigest: () => Promise<unknown>;
}

async function sleepUntil(job: Job<ScheduleJob>, at: number, token?: string): Promise<never> {
  await job.moveToDelayed(at, token);
  throw new DelayedError();
}

export function scheduleProcessor(deps: ScheduleWorkerDeps) {
  /** Run a job's work; on failure, retry it later with backoff (after MAX_TRIES, the reconcile fires what it left). */
  async function orRetry<T>(job: Job<ScheduleJob>, token: string | undefined, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (job.attemptsStarted >= MAX_TRIES) throw new UnrecoverableError((err as Error).message);
      deps.log.warn({ err: (err as Error).message, job: job.id, attempt: job.attemptsStarted }, `${job.data.type} failed, retrying`);
      return sleepUntil(job, Date.now() + 500 * 2 ** job.attemptsStarted, token);
    }
  }

  return async function processJob(job: Job<ScheduleJob>, token?: string): Promise<void> {
    switch (job.data.type) {
      case 'tick': {
        // Woken well before its instant (a replica's clock ahead of the one that added it): back
        // to the queue; within the lead: wait here.
        const at = tickAt(job.id!);
        if (Date.now() < at - 2 * TICK_LEAD_MS) await sleepUntil(job, at - TICK_LEAD_MS, token);
        if (Date.now() < at) await new Promise((r) => setTimeout(r, at - Date.now()));
        await orRetry(job, token, () => deps.fireDue());
        return;
      }
      case 'timer': {
        const outcome = await orRetry(job, token, () => deps.fire(job.id!));
        if (typeof outcome === 'object') await sleepUntil(job, Date.now() + outcome.early, token);
        return;
      }
      case 'reconcile':
        await deps.reconcile();
        return;
      case 'digest':
        await deps.runDigest();
        return;
      default:
        return;
    }
  };
}

export function createScheduleWorker(deps: ScheduleWorkerDeps, opts: { connection: Redis; prefix: string; concurrency?: number }): Worker<ScheduleJob> {
  const w = new Worker<ScheduleJob>(QUEUE_NAMES.schedule, scheduleProcessor(deps), {
    connection: opts.connection,
    prefix: opts.prefix,
    autorun: false,
    concurrency: opts.concurrency ?? 128,
    ...WORKER_LOCKS,
    ...SCHEDULE_JOB_RETENTION,
  });
  w.on('error', (err) => deps.log.error({ err, queue: w.name }, 'worker error'));
  return w;
}
