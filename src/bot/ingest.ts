// The shared middle of every receiver: dedupe on the platform's event id, pre-check a click
// so the clicker gets an instant toast, enqueue, and tell the receiver how to ack.
//
// Group commit: events that arrive while a batch is in flight form the next batch, which costs
// one Redis command for every dedupe key, one set of Postgres queries for every click's
// pre-check (the two side by side) and one BullMQ job holding all the accepted events. A lone event runs at once, so
// a quiet system answers as fast as before; a burst shares the round trips instead of queueing
// behind them. The ack still waits for the job to be in Redis ("durably enqueued").
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { IngestResult } from '../channels/channel.js';
import type { InboundCardAction, InboundEvent } from '../channels/inbound.js';
import type { Action, ActorRef } from '../core/model.js';
import { t, type Locale } from '../core/messages.js';
import type { Directory } from '../org/directory.js';
import type { Metrics } from '../http/metrics.js';
import { INBOUND_JOB, type InboundItem, type InboundJob } from '../queue/jobs.js';
import type { Approvals } from '../services/approvals.js';
import { groupCommit } from '../util/group-commit.js';
import { toCoreAction } from './actions.js';

/** Longer than Feishu's ~7 h retry horizon (the longest of the three platforms). */
export const DEDUPE_TTL_SECONDS = 24 * 3600;
/** Batches in flight at once; a batch holds at most MAX_BATCH events. */
const MAX_IN_FLIGHT = 4;
const MAX_BATCH = 256;

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

const UNAVAILABLE: IngestResult = { status: 'unavailable' };
type Verdict = { ok: boolean; key: string; text: string };
const CLAIM_COMMAND = 'qianpiClaimKeys';
const CLAIM_LUA = `local out = {}
for i, key in ipairs(KEYS) do
  out[i] = redis.call('SET', key, '1', 'EX', ARGV[1], 'NX') and 1 or 0
end
return out`;

export function createIngest(deps: IngestDeps) {
  const { redis, dir, locale, log } = deps;
  const dedupeKey = (e: InboundEvent) => `${deps.prefix}:dedupe:${e.platform}:${e.eventId}`;
  const batched = groupCommit(runBatch, { maxBatch: MAX_BATCH, maxInFlight: MAX_IN_FLIGHT });
  // SET NX EX for every key in one command: 1 where this call set it (first sight), 0 where it existed.
  // (One script rather than a pipeline: an ioredis pipeline copies every script BullMQ defined on
  // the connection each time it is created, which costs more than the commands themselves.)
  if (!(CLAIM_COMMAND in redis)) redis.defineCommand(CLAIM_COMMAND, { lua: CLAIM_LUA });
  const claim = (keys: string[], ttl: number) => (redis as unknown as Record<string, (...a: Array<string | number>) => Promise<number[]>>)[CLAIM_COMMAND]!(keys.length, ...keys, ttl);

  async function ingest(event: InboundEvent): Promise<IngestResult> {
    const result = await batched(event);
    deps.metrics?.inbound.inc({ platform: event.platform, kind: event.kind, status: result.status });
    return result;
  }
  /**
   * What a click would get now, without recording or queueing anything (undefined: nothing to
   * check). For channels that must ask something first (a WeCom reject asks for the reason):
   * someone who may not act is told so before being asked.
   */
  async function precheckClick(event: InboundCardAction): Promise<IngestResult | undefined> {
    const [verdict] = await precheck([event]);
    if (!verdict) return undefined;
    return { status: verdict.ok ? 'accepted' : 'refused', feedback: { text: verdict.text, tone: verdict.ok ? 'success' : 'error' } };
  }
  return Object.assign(ingest, { precheck: precheckClick });

  async function runBatch(events: InboundEvent[]): Promise<IngestResult[]> {
    // 1. Dedupe (SET NX per event id, one command for the batch; a repeat within the batch loses
    //    like any other repeat) and, side by side, the clicks' pre-check (one load for all).
    const [claimed, verdicts] = await Promise.all([
      claim(events.map(dedupeKey), DEDUPE_TTL_SECONDS).then(
        (replies) => events.map((_, i) => replies[i] === 1),
        (err: unknown) => {
          log.error({ err }, 'could not dedupe inbound events (Redis)');
          return undefined;
        },
      ),
      precheck(events),
    ]);
    if (!claimed) return events.map(() => UNAVAILABLE);

    // 2. What each event gets: a duplicate is acked and dropped; a refused click changes nothing,
    //    so it is not queued ("recorded nowhere") and its dedupe key goes (some platforms derive
    //    click ids from the card and value, and the same click may be valid later, when the step
    //    it targets opens); everything else is accepted, a click with the toast its pre-check chose.
    const results: IngestResult[] = [];
    const accepted: InboundItem[] = [];
    const acceptedAt: number[] = [];
    const release: string[] = [];
    for (const [i, event] of events.entries()) {
      const verdict = verdicts[i];
      if (!claimed[i]) {
        log.debug({ platform: event.platform, eventId: event.eventId }, 'duplicate event dropped');
        results.push({ status: 'duplicate' });
      } else if (verdict && !verdict.ok) {
        log.info({ platform: event.platform, sender: event.senderId, action: event.kind === 'card_action' ? event.action : undefined, reason: verdict.key }, 'card action refused');
        results.push({ status: 'refused', feedback: { text: verdict.text, tone: 'error' } });
        release.push(dedupeKey(event));
      } else {
        results.push(verdict ? { status: 'accepted', feedback: { text: verdict.text, tone: 'success' } } : { status: 'accepted' });
        accepted.push(verdict ? { event, ackKey: verdict.key } : { event });
        acceptedAt.push(i);
      }
    }

    // 3. Enqueue what was accepted, as one job: the ack waits until Redis has it.
    if (accepted.length) {
      try {
        await deps.inbound.add(INBOUND_JOB, { events: accepted });
      } catch (err) {
        // Not queued: forget the dedupe keys so the platforms' retries get through.
        log.error({ err, events: accepted.length }, 'could not enqueue inbound events');
        release.push(...accepted.map((x) => dedupeKey(x.event)));
        for (const i of acceptedAt) results[i] = UNAVAILABLE;
      }
    }
    if (release.length) await redis.del(...release).catch((err: unknown) => log.warn({ err }, 'could not release dedupe keys'));
    return results;
  }

  /** Each click's verdict (what it would do now, as the toast says it); undefined for the rest. */
  async function precheck(events: InboundEvent[]): Promise<Array<Verdict | undefined>> {
    const verdicts: Array<Verdict | undefined> = events.map(() => undefined);
    const asks: Array<{ i: number; requestId: string; action: Action; actor: ActorRef }> = [];
    for (const [i, e] of events.entries()) {
      if (e.kind !== 'card_action') continue;
      const person = dir.personByPlatformId(e.platform, e.senderId);
      if (!person) {
        verdicts[i] = { ok: false, key: 'refuse.unknown_person', text: t(locale, 'refuse.unknown_person') };
        continue;
      }
      const action = toCoreAction(e.action, e.form);
      if (action && e.action.r) asks.push({ i, requestId: e.action.r, action, actor: { personId: person.id, platform: e.platform } });
    }
    if (!asks.length) return verdicts;
    try {
      const previews = await deps.approvals.previewMany(asks);
      for (const [k, { i }] of asks.entries()) {
        const p = previews[k]!;
        const msg = p.ok ? p.feedback : p.message;
        verdicts[i] = { ok: p.ok, key: msg.key, text: t(locale, msg.key, msg.params) };
      }
    } catch (err) {
      // No toast without the database; the worker still decides (and says so) after the ack.
      log.warn({ err }, 'click pre-check failed; accepting without a toast');
    }
    return verdicts;
  }
}

export type Ingest = ReturnType<typeof createIngest>;
