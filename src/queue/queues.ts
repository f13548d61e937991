// The BullMQ queues and the job options that belong to them: every `new Queue` of the app is here.
// Workers live with their processors and take the names from here (QUEUE_NAMES, deliveryQueueName).
//   inbound     normalised platform events (one job per ingest batch)
//   deliveries  outbound sends: one queue per platform, paced to its limits (`deliveries-feishu`…),
//               one bulk queue per platform for fan-outs to many (the digest: `deliveries-feishu-bulk`,
//               worked by a few workers so it never holds back what people wait on), plus
//               `deliveries` for platform-neutral fan-out jobs
//   schedule    the scheduler's ticks, timers, reconcile and digest
//   directory   directory syncs and platform contact changes (one job at a time cluster-wide)
//   webhooks    outbound webhook deliveries (src/webhooks/), retried with exponential backoff
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Platform } from '../org/schema.js';
import { QUEUE_NAMES, type DeliveryJob, type DirectoryJob, type InboundJob, type ScheduleJob, type WebhookJob } from './jobs.js';

export const INBOUND_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 5000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export const DELIVERY_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  // Completed jobs stay a day so a re-relayed outbox row finds its job id and adds nothing (the
  // deliverer's `deliveries_done` record stops one that was removed from running twice).
  removeOnComplete: { age: 24 * 3600, count: 10000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

/**
 * What the schedule worker keeps of finished jobs. A completed tick or timer is forgotten at once,
 * so adding its id again later (a moved or revived timer) queues it anew; failures stay a week.
 */
export const SCHEDULE_JOB_RETENTION = {
  removeOnComplete: { count: 0 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
} as const;

/**
 * A change event's job id is its platform event id, and a finished job is kept a day: a platform's
 * retry of an event already queued adds nothing (longer than Feishu's ~7 h retry horizon).
 */
export const DIRECTORY_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  removeOnComplete: { age: 24 * 3600, count: 20000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export function createDirectoryQueue(connection: Redis, prefix: string): Queue<DirectoryJob> {
  return new Queue<DirectoryJob>(QUEUE_NAMES.directory, { connection, prefix, defaultJobOptions: DIRECTORY_JOB_OPTIONS });
}

/**
 * Webhook deliveries: `attempts` with exponential backoff from `backoffMs`; the last failure marks
 * the delivery dead in Postgres (the admin API redrives it as a new job).
 */
export function createWebhookQueue(connection: Redis, prefix: string, opts: { attempts: number; backoffMs: number }): Queue<WebhookJob> {
  return new Queue<WebhookJob>(QUEUE_NAMES.webhooks, {
    connection,
    prefix,
    defaultJobOptions: { attempts: opts.attempts, backoff: { type: 'exponential', delay: opts.backoffMs }, removeOnComplete: { age: 24 * 3600, count: 10000 }, removeOnFail: { age: 7 * 24 * 3600 } },
  });
}

export const deliveryQueueName = (platform?: Platform, bulk = false) => (platform ? `${QUEUE_NAMES.deliveries}-${platform}${bulk ? '-bulk' : ''}` : QUEUE_NAMES.deliveries);

export function createInboundQueue(connection: Redis, prefix: string): Queue<InboundJob> {
  return new Queue<InboundJob>(QUEUE_NAMES.inbound, { connection, prefix, defaultJobOptions: INBOUND_JOB_OPTIONS });
}

export function createScheduleQueue(connection: Redis, prefix: string): Queue<ScheduleJob> {
  return new Queue<ScheduleJob>(QUEUE_NAMES.schedule, { connection, prefix });
}

export function createDeliveryQueues(connection: Redis, prefix: string, platforms: readonly Platform[]) {
  const general = new Queue<DeliveryJob>(deliveryQueueName(), { connection, prefix, defaultJobOptions: DELIVERY_JOB_OPTIONS });
  const perPlatform = new Map(
    platforms.map((p) => [p, new Queue<DeliveryJob>(deliveryQueueName(p), { connection, prefix, defaultJobOptions: DELIVERY_JOB_OPTIONS })]),
  );
  const bulk = new Map(
    platforms.map((p) => [p, new Queue<DeliveryJob>(deliveryQueueName(p, true), { connection, prefix, defaultJobOptions: DELIVERY_JOB_OPTIONS })]),
  );
  const queueFor = (job: DeliveryJob) => ('platform' in job ? ('bulk' in job && job.bulk ? bulk : perPlatform).get(job.platform) : general);
  return {
    general,
    perPlatform,
    /** Each platform's bulk queue (the digest's sends). */
    bulk,
    /** Queue a job under its deterministic id (an existing id is left as it is); false if its platform is not enabled. */
    async add(job: DeliveryJob, id: string): Promise<boolean> {
      const q = queueFor(job);
      if (!q) return false; // platform not enabled on this deployment any more
      await q.add(job.type, job, { jobId: id });
      return true;
    },
    all: () => [general, ...perPlatform.values(), ...bulk.values()],
    async close() {
      await Promise.all([general, ...perPlatform.values(), ...bulk.values()].map((q) => q.close()));
    },
  };
}

export type DeliveryQueues = ReturnType<typeof createDeliveryQueues>;

/** Every queue of one app, on one producer connection. */
export function createQueues(connection: Redis, prefix: string, platforms: readonly Platform[], webhookOpts: { attempts: number; backoffMs: number } = { attempts: 10, backoffMs: 5000 }) {
  const inbound = createInboundQueue(connection, prefix);
  const webhooks = createWebhookQueue(connection, prefix, webhookOpts);
  const deliveries = createDeliveryQueues(connection, prefix, platforms);
  const schedule = createScheduleQueue(connection, prefix);
  const directory = createDirectoryQueue(connection, prefix);
  return {
    inbound,
    deliveries,
    schedule,
    directory,
    webhooks,
    all: () => [inbound, ...deliveries.all(), schedule, directory, webhooks],
    async close() {
      await Promise.all([inbound.close(), deliveries.close(), schedule.close(), directory.close(), webhooks.close()]);
    },
  };
}

export type Queues = ReturnType<typeof createQueues>;
