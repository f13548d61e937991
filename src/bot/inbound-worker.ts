// The inbound queue's processor. Receivers enqueue one job per ingest batch; this runs its
// events: a conversation's events (same platform, sender and chat) in arrival order, different
// conversations side by side. When an event fails, the rest of its conversation (it and what
// came after it) is re-queued as its own job under the failing event's deterministic id, so
// BullMQ retries it with backoff without running anything that already succeeded; a job in
// which nothing succeeded (one conversation failing at its first event) just throws and is
// retried as it is.
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { InboundEvent } from '../channels/inbound.js';
import { forEachLimit } from '../util/for-each-limit.js';
import { groupBy } from '../util/group-by.js';
import { INBOUND_JOB, jobId, type InboundItem, type InboundJob } from '../queue/jobs.js';

/** Conversations of one batch processed at once (each holds a database connection at a time). */
const PARALLEL = 8;
const RETRY_DELAY_MS = 500;

const conversation = (e: InboundEvent) => `${e.platform}\u0000${e.senderId}\u0000${e.kind === 'message' ? e.chat.id : (e.message?.chatId ?? '')}`;

export function inboundProcessor(deps: { route: (item: InboundItem) => Promise<void>; inbound: Queue<InboundJob>; log: Logger }) {
  return async function processInbound(job: Job<InboundJob>): Promise<void> {
    const { events } = job.data;
    const failed: InboundItem[][] = [];
    let firstError: unknown;
    await forEachLimit([...groupBy(events, (item) => conversation(item.event)).values()], PARALLEL, async (g) => {
      for (const [n, item] of g.entries()) {
        try {
          await deps.route(item);
        } catch (err) {
          firstError ??= err;
          deps.log.warn({ err, platform: item.event.platform, eventId: item.event.eventId, job: job.id }, 'inbound event failed; retrying it');
          failed.push(g.slice(n));
          return;
        }
      }
    });
    if (!failed.length) return;
    if (failed.length === 1 && failed[0]!.length === events.length) throw firstError;
    await deps.inbound.addBulk(
      failed.map((rest) => ({
        name: INBOUND_JOB,
        data: { events: rest },
        opts: { jobId: jobId('in', rest[0]!.event.platform, rest[0]!.event.eventId), delay: RETRY_DELAY_MS },
      })),
    );
  };
}
