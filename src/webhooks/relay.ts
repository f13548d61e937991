// Moves pending webhook deliveries onto the `webhooks` queue, like the outbox relay: rows are
// claimed with SKIP LOCKED and marked `queued` in the transaction that queued their jobs, whose
// ids (`wh-<delivery>-<redrives>`) make a repeat add nothing. `redrive` queues again every
// delivery still `queued` (Redis lost its jobs; a job that exists is left as it is).
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { jobId, type WebhookJob } from '../queue/jobs.js';
import { drainer } from '../util/drain.js';
import type { WebhookDeliveryRow, WebhookStore } from '../store/webhooks-repo.js';

export const webhookJobId = (row: Pick<WebhookDeliveryRow, 'id' | 'redrives'>) => jobId('wh', row.id, row.redrives);

export function createWebhookRelay(deps: { store: Pick<WebhookStore, 'queuePending' | 'queued'>; queue: Queue<WebhookJob>; log: Logger }) {
  const add = (rows: WebhookDeliveryRow[]) => deps.queue.addBulk(rows.map((r) => ({ name: 'deliver', data: { deliveryId: r.id, redrives: r.redrives }, opts: { jobId: webhookJobId(r) } })));

  const relay = drainer(() => deps.store.queuePending(200, async (rows) => void (await add(rows))));

  return {
    relay,
    kick(): void {
      relay().catch((err: unknown) => deps.log.error({ err }, 'webhook relay failed'));
    },
    async redrive(): Promise<number> {
      let n = 0;
      for (let after = 0; ; ) {
        const rows = await deps.store.queued(after, 500);
        if (!rows.length) break;
        await add(rows);
        n += rows.length;
        after = rows.at(-1)!.id;
      }
      if (n) deps.log.info({ deliveries: n }, 'webhook deliveries re-driven');
      return n;
    },
  };
}

export type WebhookRelay = ReturnType<typeof createWebhookRelay>;
