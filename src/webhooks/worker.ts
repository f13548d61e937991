// Runs one webhook delivery job: load the delivery, its event and endpoint, POST the signed body,
// record the attempt. 2xx: delivered. Anything else retries with BullMQ's backoff until the last
// attempt, which leaves the delivery `dead` (the admin API redrives it). A refused target (SSRF)
// or a deleted endpoint is dead at once. A delivery no longer `queued` (delivered, dead, or
// redriven under a newer job) is skipped, so a job run twice sends nothing more.
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { WebhookJob } from '../queue/jobs.js';
import type { WebhookStore } from '../store/webhooks-repo.js';
import { postWebhook } from './send.js';
import { TargetRefused } from './target.js';

const SENDABLE = new Set(['pending', 'queued']);

export interface WebhookWorkerDeps {
  store: Pick<WebhookStore, 'toSend' | 'recordAttempt'>;
  allowPrivate: boolean;
  timeoutMs: number;
  log: Logger;
}

export function webhookProcessor(deps: WebhookWorkerDeps) {
  const { store, log } = deps;
  return async function process(job: Job<WebhookJob>): Promise<void> {
    const found = await store.toSend(job.data.deliveryId);
    // `pending`: the relay that queued this job has not committed yet (its row lock makes our update wait for it).
    if (!found || !SENDABLE.has(found.delivery.status) || found.delivery.redrives !== (job.data.redrives ?? 0)) return;
    const { delivery, event, endpoint } = found;
    const at = new Date();
    if (!endpoint?.enabled) {
      await store.recordAttempt(delivery.id, { status: 'dead', httpStatus: null, error: 'endpoint deleted or disabled', at });
      return;
    }
    const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const fail = async (httpStatus: number | null, error: string) => {
      await store.recordAttempt(delivery.id, { status: last ? 'dead' : 'queued', httpStatus, error, at });
      log.warn({ delivery: delivery.id, endpoint: endpoint.id, event: event.id, httpStatus, error, attempt: job.attemptsMade + 1, dead: last }, 'webhook delivery failed');
      if (!last) throw new Error(error); // BullMQ retries with backoff
    };
    let status: number;
    try {
      status = await postWebhook(
        { url: endpoint.url, secret: endpoint.secret, eventId: event.id, eventType: event.type, deliveryId: delivery.id, body: JSON.stringify(event.payload), timestamp: Math.floor(Date.now() / 1000) },
        { allowPrivate: deps.allowPrivate, timeoutMs: deps.timeoutMs },
      );
    } catch (err) {
      if (err instanceof TargetRefused) {
        await store.recordAttempt(delivery.id, { status: 'dead', httpStatus: null, error: err.message, at });
        log.warn({ delivery: delivery.id, endpoint: endpoint.id, error: err.message }, 'webhook target refused');
        return;
      }
      const e = err as NodeJS.ErrnoException;
      return fail(null, e.code ? `${e.code}: ${e.message}` : e.message);
    }
    if (status >= 200 && status < 300) {
      await store.recordAttempt(delivery.id, { status: 'delivered', httpStatus: status, error: null, at });
      return;
    }
    return fail(status, status >= 300 && status < 400 ? `HTTP ${status} (redirects are not followed)` : `HTTP ${status}`);
  };
}
