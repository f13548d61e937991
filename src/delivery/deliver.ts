// Executes delivery jobs: renders the neutral card from the request's *current* state and
// hands it to the platform's channel. Rendering at send time means a late or retried job
// never shows an outdated card; the rendered-version claim keeps a slow update from
// overwriting a newer one.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { approvalCard, type CardContext } from '../../cards/approval.js';
import { formCard } from '../../cards/form.js';
import type { Channel } from '../channels/channel.js';
import { DeliveryError } from '../channels/channel.js';
import type { Locale } from '../core/messages.js';
import { createCalendar, provisionalNote } from '../core/calendar/index.js';
import { renderIntent } from '../core/delegation.js';
import type { Directory } from '../org/directory.js';
import type { RequestState } from '../core/model.js';
import { calendarOptions } from '../org/load.js';
import type { Platform } from '../org/schema.js';
import type { Metrics } from '../http/metrics.js';
import { jobId, type DeliveryJob } from '../queue/jobs.js';
import type { DeliveryStore } from '../store/delivery-store.js';
import type { CentreSyncer } from './centre-sync.js';
import { outboxIdOf } from './outbox-relay.js';
import type { DeliveryQueues } from '../queue/queues.js';
import type { PostedCards } from '../queue/posted-cards.js';

export interface DeliverDeps {
  store: DeliveryStore;
  dir: Directory;
  channels: ReadonlyMap<Platform, Channel>;
  queues: DeliveryQueues;
  locale: Locale;
  publicUrl?: string;
  log: Logger;
  metrics?: Metrics;
  /** Where snapshot cards posted with a `ref` went (card.post records, card.settle reads). */
  posted?: PostedCards;
  /** Approval centres (centre-sync.ts): runs `centre.sync` jobs. */
  centres?: CentreSyncer;
}

export function cardContext(dir: Directory, locale: Locale, publicUrl?: string): CardContext {
  const calendar = createCalendar(calendarOptions(dir.org.organisation));
  return {
    dueNote: (dueAt) => provisionalNote(calendar, dueAt, locale),
    locale,
    timezone: dir.timezone,
    personName: (id) => dir.personName(id),
    deptName: (id) => dir.departments.get(id)?.name ?? id,
    typeDef: (id) => dir.requestType(id),
    ...(publicUrl ? { publicUrl } : {}),
  };
}

export function createDeliverer(deps: DeliverDeps) {
  const store = deps.store;
  const ctx = cardContext(deps.dir, deps.locale, deps.publicUrl);
  const channel = (p: Platform) => {
    const c = deps.channels.get(p);
    if (!c) throw new UnrecoverableError(`channel ${p} is not enabled`);
    return c;
  };

  /** The card of `s`, with the event it follows up when it has one (its budget beside the spend). */
  const cardOf = async (s: RequestState) => approvalCard(s, ctx, { parent: s.parentId ? await store.loadRequest(s.parentId) : undefined });

  async function run(job: DeliveryJob, id: string): Promise<void> {
    switch (job.type) {
      case 'card.send': {
        const s = await store.loadRequest(job.requestId);
        if (!s) throw new UnrecoverableError(`request ${job.requestId} not found`);
        const key = { requestId: s.id, cardKind: job.cardKind, platform: job.platform, targetType: job.target.type, targetId: job.target.id };
        // Already posted there (a retry, or a step reopened): bring that copy up to date instead.
        const existing = await store.findCard(key);
        if (existing && existing.status !== 'failed') {
          await deps.queues.add({ type: 'card.update', platform: existing.platform, cardMessageId: existing.id, requestId: s.id, version: s.version }, jobId('upd', existing.id, 'v', s.version));
          return;
        }
        const sent = await channel(job.platform).sendCard(job.target, await cardOf(s), { requestId: s.id, idempotencyKey: jobId('card', s.id, job.platform, job.target.type, job.target.id) });
        await store.recordCard({
          ...key,
          personId: job.target.personId ?? null,
          roomId: job.target.roomId ?? null,
          messageId: sent.messageId ?? null,
          trackId: sent.trackId ?? null,
          responseCode: sent.responseCode ?? null,
          responseCodeAt: sent.responseCode ? new Date() : null,
          renderedVersion: s.version,
          status: 'sent',
        });
        return;
      }
      case 'card.refresh': {
        const s = await store.loadRequest(job.requestId);
        if (!s) return;
        for (const m of await store.cardsOf(s.id)) {
          await deps.queues.add({ type: 'card.update', platform: m.platform, cardMessageId: m.id, requestId: s.id, version: s.version }, jobId('upd', m.id, 'v', s.version));
        }
        return;
      }
      case 'card.update': {
        const m = await store.cardById(job.cardMessageId);
        const s = await store.loadRequest(job.requestId);
        if (!m || !s) return;
        if (!(await store.claimRender(m.id, s.version))) return; // a newer render already went out
        try {
          const result = await channel(m.platform).updateCard(m, await cardOf(s));
          // Response codes (WeCom) are spent and stored by the channel itself, atomically.
          if (result.fellBack) {
            await store.writeAudit(s.id, [{ action: 'card_update_fallback', actorId: null, platform: m.platform, detail: { cardMessageId: m.id, target: m.targetId } }]);
          }
          if (result.replaced) {
            // A fresh card replaced a copy the platform no longer updates (Feishu: 14 days): update that one from now on.
            await store.replaceCard(m.id, result.replaced);
            await store.writeAudit(s.id, [{ action: 'card_resent', actorId: null, platform: m.platform, detail: { cardMessageId: m.id, target: m.targetId, previous: m.messageId, messageId: result.replaced.messageId ?? null } }]);
          }
        } catch (err) {
          // Give the version back so the retry may render it.
          await store.releaseRender(m.id, Math.min(m.renderedVersion, s.version - 1));
          throw err;
        }
        return;
      }
      case 'message.send': {
        const text = 'text' in job.message ? job.message.text : renderIntent(deps.locale, job.message);
        await channel(job.platform).sendText(job.target, text, { idempotencyKey: id, ...(job.bulk ? { bulk: true } : {}) });
        return;
      }
      case 'form.send': {
        const def = deps.dir.requestType(job.requestType);
        if (!def) throw new UnrecoverableError(`unknown request type ${job.requestType}`);
        await channel(job.platform).sendCard(job.target, formCard(def, deps.locale, job.prefill ?? {}), { requestId: job.requestId ?? 'form', idempotencyKey: id });
        return;
      }
      case 'card.replace':
        await channel(job.platform).updateCard({ id: 0, targetType: job.target.type, targetId: job.target.id, messageId: job.messageId, trackId: null }, job.card);
        return;
      case 'centre.sync':
        if (!deps.centres) throw new UnrecoverableError(`approval centre ${job.platform} is not enabled`);
        await deps.centres.sync(job.platform, job.requestId);
        return;
      case 'card.post': {
        if (job.lead) await channel(job.platform).sendText(job.target, job.lead, { idempotencyKey: `${id}-lead` });
        const sent = await channel(job.platform).sendCard(job.target, job.card, { requestId: job.requestId ?? 'dialog', idempotencyKey: id });
        if (job.ref) await deps.posted?.record(job.platform, job.ref, sent);
        return;
      }
      case 'card.settle': {
        const sent = await deps.posted?.find(job.platform, job.ref);
        // Not recorded (or expired): the old card stays; a late click on it is refused as stale.
        if (!sent?.messageId && !sent?.trackId) return;
        await channel(job.platform).updateCard({ id: 0, targetType: job.target.type, targetId: job.target.id, messageId: sent.messageId ?? null, trackId: sent.trackId ?? null }, job.card);
        return;
      }
    }
  }

  /**
   * Finished deliveries are recorded by job id, so a job queued again (a re-drive after Redis lost
   * its queues, a stalled job run twice) is not sent again. Only deterministic ids are: BullMQ's
   * own numeric ids start again at 1 after a flush.
   */
  const tracked = (id: string | undefined): id is string => !!id && !/^\d+$/.test(id);
  const record = (id: string | undefined, outcome: 'sent' | 'failed') => (tracked(id) ? store.recordDone(id, outcome, outboxIdOf(id)) : Promise.resolve());

  return async function process(job: Job<DeliveryJob>): Promise<void> {
    if (tracked(job.id) && (await store.isDone(job.id))) {
      deps.log.debug({ job: job.id }, 'delivery already done; skipped');
      return;
    }
    try {
      await run(job.data, job.id ?? `${job.name}-${job.timestamp}`);
      deps.metrics?.deliveries.inc({ type: job.data.type, result: 'ok' });
    } catch (err) {
      const permanent = err instanceof UnrecoverableError || (err instanceof DeliveryError && err.permanent);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      deps.metrics?.deliveries.inc({ type: job.data.type, result: permanent || lastAttempt ? 'failed' : 'retry' });
      if (permanent || lastAttempt) {
        const d = job.data;
        deps.log.error({ err, job: d.type, platform: 'platform' in d ? d.platform : undefined, code: err instanceof DeliveryError ? err.code : undefined }, 'delivery failed permanently');
        await store.writeAudit('requestId' in d && d.requestId ? d.requestId : null, [
          {
            action: 'delivery_failed',
            actorId: null,
            platform: 'platform' in d ? d.platform : null,
            detail: { job: d.type, code: err instanceof DeliveryError ? (err.code ?? null) : null, message: (err as Error).message, ...('target' in d ? { target: d.target.id } : {}) },
          },
        ]).catch(() => {});
        await record(job.id, 'failed').catch((e: unknown) => deps.log.warn({ err: e, job: job.id }, 'could not record the failed delivery'));
        if (permanent && !(err instanceof UnrecoverableError)) throw new UnrecoverableError((err as Error).message);
      } else {
        deps.log.warn({ err: (err as Error).message, job: job.data.type, attempt: job.attemptsMade + 1 }, 'delivery failed, will retry');
      }
      throw err;
    }
    // Sent. If the record cannot be written the job still completes (failing it would send again
    // now); its outbox row stays relayed, and the completed job in Redis keeps a re-drive from
    // queueing it again.
    await record(job.id, 'sent').catch((err: unknown) => deps.log.warn({ err, job: job.id }, 'could not record the delivery'));
  };
}

