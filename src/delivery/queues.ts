// Delivery queues: one per platform so each can be paced to its platform's limits
// (`deliveries-feishu`…), plus `deliveries` for platform-neutral fan-out jobs.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Platform } from '../org/schema.js';
import { QUEUE_NAMES, type DeliveryJob } from '../queue/jobs.js';

export const DELIVERY_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  // Completed jobs stay a day so a re-relayed outbox row finds its job id and adds nothing (the
  // deliverer's `deliveries_done` record stops one that was removed from running twice).
  removeOnComplete: { age: 24 * 3600, count: 10000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const;

export const deliveryQueueName = (platform?: Platform) => (platform ? `${QUEUE_NAMES.deliveries}-${platform}` : QUEUE_NAMES.deliveries);

export function createDeliveryQueues(connection: Redis, prefix: string, platforms: readonly Platform[]) {
  const general = new Queue<DeliveryJob>(deliveryQueueName(), { connection, prefix, defaultJobOptions: DELIVERY_JOB_OPTIONS });
  const perPlatform = new Map(
    platforms.map((p) => [p, new Queue<DeliveryJob>(deliveryQueueName(p), { connection, prefix, defaultJobOptions: DELIVERY_JOB_OPTIONS })]),
  );
  const queueFor = (job: DeliveryJob) => ('platform' in job ? perPlatform.get(job.platform) : general);
  return {
    general,
    perPlatform,
    /** Queue a job under its deterministic id (an existing id is left as it is); false if its platform is not enabled. */
    async add(job: DeliveryJob, id: string): Promise<boolean> {
      const q = queueFor(job);
      if (!q) return false; // platform not enabled on this deployment any more
      await q.add(job.type, job, { jobId: id });
      return true;
    },
    all: () => [general, ...perPlatform.values()],
    async close() {
      await Promise.all([general, ...perPlatform.values()].map((q) => q.close()));
    },
  };
}

export type DeliveryQueues = ReturnType<typeof createDeliveryQueues>;
