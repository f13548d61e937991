// The inbound queue's processor. Receivers enqueue one job per ingest batch; this runs its
// events: a conversation's events (same platform, sender and chat; for an approve click, same
// platform, sender and request) in arrival order, different conversations side by
// side. When an event fails, the rest of its conversation (it and what came after it) is
// re-queued as its own job under the failing event's deterministic id, so
// BullMQ retries it with backoff without running anything that already succeeded; a job in
// which nothing succeeded (one conversation failing at its first event) just throws and is
// retried as it is. On its last attempt such a job gives up on its first event instead: an
// audit entry and a notice to the person who acted ("你的驳回未能记录，请重试") — an acked event
// is never parked silently — and the rest of the conversation is queued again.
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import { sanitizeEvent, type InboundEvent } from '../channels/inbound.js';
import type { AuditEntry, MessageIntent } from '../core/model.js';
import { isMessageKey } from '../core/messages.js';
import type { Directory } from '../org/directory.js';
import type { InboundFailure } from '../store/inbound-failures-repo.js';
import { forEachLimit } from '../util/for-each-limit.js';
import { groupBy } from '../util/group-by.js';
import { INBOUND_JOB, jobId, type InboundItem, type InboundJob } from '../queue/jobs.js';

/** Conversations of one batch processed at once (each holds a database connection at a time). */
const PARALLEL = 8;
const RETRY_DELAY_MS = 500;
/** Recording a failure failed too (the database is down): try the event again this much later, this many times. */
const PARK_DELAY_MS = 60_000;
const MAX_PARKS = 60;

/**
 * What must run in order. An approve click is ordered with that person's other clicks on the same
 * request only: an approver approving many requests at once has them decided side by side (each
 * request's row lock keeps them apart), not one after another. Everything else — a message, a
 * reject (which may ask for a reason in the chat), a dialog card's button — is ordered within the
 * person's chat.
 */
const conversation = (e: InboundEvent) =>
  e.kind === 'card_action' && e.action.r && e.action.a === 'approve'
    ? `${e.platform}\u0000${e.senderId}\u0000request\u0000${e.action.r}`
    : `${e.platform}\u0000${e.senderId}\u0000${e.kind === 'message' ? e.chat.id : (e.message?.chatId ?? '')}`;

export interface InboundProcessorDeps {
  route: (item: InboundItem) => Promise<void>;
  inbound: Queue<InboundJob>;
  log: Logger;
  /** Records an event the worker gives up on (after its last attempt); throws if it cannot. */
  giveUp?: (item: InboundItem, err: unknown) => Promise<void>;
  parkDelayMs?: number;
}

export function inboundProcessor(deps: InboundProcessorDeps) {
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
    if (failed.length === 1 && failed[0]!.length === events.length) {
      const last = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!last || !deps.giveUp) throw firstError;
      return giveUp(job, firstError);
    }
    await deps.inbound.addBulk(
      failed.map((rest) => ({
        name: INBOUND_JOB,
        data: { events: rest },
        opts: { jobId: jobId('in', rest[0]!.event.platform, rest[0]!.event.eventId), delay: RETRY_DELAY_MS },
      })),
    );
  };

  /** The last attempt failed at the first event: record it as failed, queue the rest anew. */
  async function giveUp(job: Job<InboundJob>, cause: unknown): Promise<void> {
    const [head, ...rest] = job.data.events;
    const at = { platform: head!.event.platform, eventId: head!.event.eventId, job: job.id };
    try {
      await deps.giveUp!(head!, cause);
      deps.log.error({ err: cause, ...at }, 'inbound event failed on every attempt; recorded and the sender told');
    } catch (err) {
      const parked = job.data.parked ?? 0;
      if (parked >= MAX_PARKS) {
        deps.log.error({ err, cause, ...at }, 'inbound event failed and its failure could not be recorded; giving up');
        throw cause;
      }
      // Most likely the database is down: the event gets a new round of attempts later.
      deps.log.error({ err, cause, ...at, parked: parked + 1 }, 'inbound event failed and its failure could not be recorded; trying again later');
      await deps.inbound.add(INBOUND_JOB, { events: job.data.events, parked: parked + 1 }, { jobId: jobId('in', at.platform, at.eventId, 'p', parked + 1), delay: deps.parkDelayMs ?? PARK_DELAY_MS });
      return;
    }
    if (rest.length) await deps.inbound.add(INBOUND_JOB, { events: rest }, { jobId: jobId('in', rest[0]!.event.platform, rest[0]!.event.eventId, 'after', at.eventId) });
  }
}

const FAILED_ACTIONS = new Set(['approve', 'reject', 'return', 'transfer', 'add_signer', 'withdraw', 'comment', 'submit', 'resubmit']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** What the sender of an event the worker gave up on is told. */
export function failureNotice(e: InboundEvent): MessageIntent {
  if (e.kind === 'message') return { key: 'inbound.failed.message', params: { text: clip(e.text, 40) } };
  const key = `inbound.failed.${e.action.a}`;
  return { key: FAILED_ACTIONS.has(e.action.a) && isMessageKey(key) ? key : 'inbound.failed.click', params: {} };
}

/** `giveUp` for the app: an audit entry and a notice to the sender (if in the organisation), in one transaction. */
export function recordGivenUp(deps: {
  /** Writes the failure (store/inbound-failures-repo.ts); false if it was recorded already. */
  record: (failure: InboundFailure) => Promise<boolean>;
  dir: Directory;
  onRecorded?: () => void;
}) {
  return async (item: InboundItem, err: unknown): Promise<void> => {
    // A job queued before ingest normalised its text may still hold what failed: clean it here too.
    const e = sanitizeEvent(item.event);
    const person = deps.dir.personByPlatformId(e.platform, e.senderId);
    const requestId = e.kind === 'card_action' && e.action.r && UUID.test(e.action.r) ? e.action.r : null;
    const audit: AuditEntry = {
      action: 'inbound_failed',
      actorId: person?.id ?? null,
      platform: e.platform,
      ...(e.kind === 'card_action' && e.action.s ? { stepId: e.action.s } : {}),
      detail: {
        kind: e.kind,
        sender: e.senderId,
        error: clip(err instanceof Error ? err.message : String(err), 500),
        ...(e.kind === 'card_action' ? { action: e.action, ...(e.form ? { form: e.form } : {}) } : { text: clip(e.text, 500) }),
      },
    };
    const recorded = await deps.record({
      eventKey: `${e.platform}:${e.eventId}`,
      requestId,
      audit,
      ...(person ? { notify: { people: [person.id], message: failureNotice(e) } } : {}),
    });
    if (recorded) deps.onRecorded?.();
  };
}
