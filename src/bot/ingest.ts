// The shared middle of every receiver: dedupe on the platform's event id, pre-check a click
// so the clicker gets an instant toast, enqueue, and tell the receiver how to ack.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { IngestResult } from '../channels/channel.js';
import type { InboundEvent } from '../channels/inbound.js';
import { t, type Locale } from '../core/messages.js';
import type { Directory } from '../org/directory.js';
import type { Metrics } from '../http/metrics.js';
import { jobId, type InboundJob } from '../queue/jobs.js';
import type { Approvals } from '../services/approvals.js';
import { toCoreAction } from './actions.js';

/** Longer than Feishu's ~7 h retry horizon (the longest of the three platforms). */
export const DEDUPE_TTL_SECONDS = 24 * 3600;

export interface IngestDeps {
  redis: Redis;
  prefix: string;
  inbound: Queue<InboundJob>;
  approvals: Approvals;
  dir: Directory;
  locale: Locale;
  log: Logger;
  metrics?: Metrics;
}

export function createIngest(deps: IngestDeps) {
  const { redis, dir, locale } = deps;
  return async function ingest(event: InboundEvent): Promise<IngestResult> {
    const result = await run(event);
    deps.metrics?.inbound.inc({ platform: event.platform, kind: event.kind, status: result.status });
    return result;
  };

  async function run(event: InboundEvent): Promise<IngestResult> {
    const key = `${deps.prefix}:dedupe:${event.platform}:${event.eventId}`;
    const fresh = await redis.set(key, '1', 'EX', DEDUPE_TTL_SECONDS, 'NX');
    if (fresh !== 'OK') {
      deps.log.debug({ platform: event.platform, eventId: event.eventId }, 'duplicate event dropped');
      return { status: 'duplicate' };
    }
    let ack: IngestResult = { status: 'accepted' };
    let ackKey: string | undefined;
    if (event.kind === 'card_action') {
      const person = dir.personByPlatformId(event.platform, event.senderId);
      const action = toCoreAction(event.action, event.form);
      if (!person) {
        ackKey = 'refuse.unknown_person';
        ack = { status: 'refused', feedback: { text: t(locale, ackKey), tone: 'error' } };
      } else if (action && event.action.r) {
        const preview = await deps.approvals.preview(event.action.r, action, { personId: person.id, platform: event.platform });
        ackKey = preview.ok ? preview.feedback.key : preview.message.key;
        const text = preview.ok ? t(locale, preview.feedback.key, preview.feedback.params) : t(locale, preview.message.key, preview.message.params);
        ack = { status: preview.ok ? 'accepted' : 'refused', feedback: { text, tone: preview.ok ? 'success' : 'error' } };
      }
      // A refused click changes nothing, so it is not queued: "recorded nowhere". Its dedupe key
      // goes too: some platforms derive click ids from the card and value, and the same click may
      // be valid later (the step it targets opens).
      if (ack.status === 'refused') {
        deps.log.info({ platform: event.platform, sender: event.senderId, action: event.action, reason: ackKey }, 'card action refused');
        await redis.del(key);
        return ack;
      }
    }
    try {
      await deps.inbound.add('event', { event, ...(ackKey ? { ackKey } : {}) }, { jobId: jobId('in', event.platform, event.eventId) });
    } catch (err) {
      // Not queued: forget the dedupe key so the platform's retry gets through.
      await redis.del(key).catch(() => {});
      deps.log.error({ err }, 'could not enqueue inbound event');
      return { status: 'unavailable' };
    }
    return ack;
  }
}

export type Ingest = ReturnType<typeof createIngest>;
