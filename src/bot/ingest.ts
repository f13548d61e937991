// The shared middle of every receiver: normalise every string of the event, dedupe on the
// platform's event id, pre-check a click so the clicker gets an instant toast, enqueue, and tell
// the receiver how to ack.
//
// Group commit: events that arrive while a batch is in flight form the next batch, which costs
// one Redis command for every dedupe key, one set of Postgres queries for every click's
// pre-check (the two side by side) and one BullMQ job holding all the accepted events. A lone event runs at once, so
// a quiet system answers as fast as before; a burst shares the round trips instead of queueing
// behind them. Messages and clicks are batched in separate lanes, so clicks waiting on the
// database never hold up messages. The ack still waits for the job to be in Redis ("durably enqueued").
//
// Dedupe in two steps: a key is first *claimed* for a short while (CLAIM_TTL_SECONDS) and only
// *committed* (24 h) once its event's job is in Redis. A process that dies in between leaves a
// claim that expires, so the platform's retry is processed instead of being taken for a duplicate.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Card } from '../../cards/model.js';
import type { IngestResult } from '../channels/channel.js';
import { sanitizeEvent, type InboundCardAction, type InboundEvent } from '../channels/inbound.js';
import type { Action, ActorRef } from '../core/model.js';
import { renderMessage, t, type Locale } from '../core/messages.js';
import type { Directory } from '../org/directory.js';
import type { Metrics } from '../http/metrics.js';
import { INBOUND_JOB, type InboundItem, type InboundJob } from '../queue/jobs.js';
import { runLua } from '../queue/lua.js';
import type { Approvals } from '../services/approvals.js';
import { groupCommit } from '../util/group-commit.js';
import { toCoreAction } from './actions.js';
import { refusedFormCard, submitForm, submitsForm } from './form-submit.js';
import { cardToken, DIALOG_ACTION } from './dialog/card.js';
import { peekDialog } from './dialog/store.js';
import { DIALOG_IDLE_MS } from './dialog/index.js';

/** Longer than Feishu's ~7 h retry horizon (the longest of the three platforms). */
export const DEDUPE_TTL_SECONDS = 24 * 3600;
/** How long a claim lasts before its event is queued (a queued event's key is then kept 24 h). */
export const CLAIM_TTL_SECONDS = 30;
/** How long an event claimed by an ingest still in flight (here or on another replica) waits for that one's outcome. */
export const CLAIM_WAIT_MS = 1000;
const CLAIM_POLL_MS = 50;
/** How long a click waits for its pre-check (Feishu answers the clicker an error after 3 s). */
export const PRECHECK_WAIT_MS = 1000;
/** While pre-checks are overdue, how often one is tried all the same. */
const PROBE_EVERY_MS = 5000;
/** Batches in flight at once per lane (messages, clicks); a batch holds at most MAX_BATCH events. */
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
  /** Test seams: see CLAIM_TTL_SECONDS, CLAIM_WAIT_MS and PRECHECK_WAIT_MS. */
  claimTtlSeconds?: number;
  claimWaitMs?: number;
  precheckWaitMs?: number;
}

/** A card form judged at once: refused with each field's error, or the request it created. */
export interface FormIngestResult extends IngestResult {
  fields?: Record<string, string>;
  request?: { id: string; number: string };
}

const UNAVAILABLE: IngestResult = { status: 'unavailable' };
const DUPLICATE: IngestResult = { status: 'duplicate' };
/** Claimed by an ingest still in flight elsewhere (compared by identity; a receiver sees UNAVAILABLE). */
const ELSEWHERE: IngestResult = { status: 'unavailable' };
type Verdict = { ok: boolean; key: string; text: string; card?: Card };
/** claim-keys.lua's answer per key: 1 claimed now (absent before), 0 a committed duplicate, 2 claimed by an ingest still in flight. */
const CLAIMED = 1;
const CLAIMED_ELSEWHERE = 2;

export function createIngest(deps: IngestDeps) {
  const { redis, dir, locale, log } = deps;
  const claimTtl = deps.claimTtlSeconds ?? CLAIM_TTL_SECONDS;
  const claimWait = deps.claimWaitMs ?? CLAIM_WAIT_MS;
  const precheckWait = deps.precheckWaitMs ?? PRECHECK_WAIT_MS;
  const dedupeKey = (e: InboundEvent) => `${deps.prefix}:dedupe:${e.platform}:${e.eventId}`;
  const lanes = {
    message: groupCommit(runBatch, { maxBatch: MAX_BATCH, maxInFlight: MAX_IN_FLIGHT }),
    card_action: groupCommit(runBatch, { maxBatch: MAX_BATCH, maxInFlight: MAX_IN_FLIGHT }),
  };
  /** Pre-checks still running past their wait (the database is slow or down). */
  let overdue = 0;
  /** When a pre-check last went overdue or was let through while others were. */
  let lastProbe = 0;
  // One command for every key of a batch. (Scripts rather than pipelines: an ioredis pipeline
  // copies every script BullMQ defined on the connection each time it is created, which costs
  // more than the commands themselves.)
  const claim = (keys: string[], ttl: number) => runLua(redis, 'claim-keys', keys, [ttl]);
  const commit = (keys: string[], ttl: number) => runLua(redis, 'commit-keys', keys, [ttl]);

  async function ingest(raw: InboundEvent): Promise<IngestResult> {
    const event = sanitizeEvent(raw);
    const result = await settle(event);
    deps.metrics?.inbound.inc({ platform: event.platform, kind: event.kind, status: result.status });
    return result;
  }
  /**
   * The event through its lane. Claimed by an ingest still in flight (the same delivery twice at
   * once, here or on another replica): ask again until that one is queued (a duplicate) or gone
   * (refused or not queued, or its process died: this one claims it); after CLAIM_WAIT_MS,
   * "retry later".
   */
  async function settle(event: InboundEvent): Promise<IngestResult> {
    for (let waited = 0; ; waited += CLAIM_POLL_MS) {
      const r = await lanes[event.kind](event);
      if (r !== ELSEWHERE) return r;
      if (waited >= claimWait) {
        log.info({ platform: event.platform, eventId: event.eventId }, 'event claimed by an ingest in flight elsewhere; asking for a retry');
        return UNAVAILABLE;
      }
      await new Promise((resolve) => setTimeout(resolve, CLAIM_POLL_MS));
    }
  }
  /**
   * What a click would get now, without recording or queueing anything (undefined: nothing to
   * check). For channels that must ask something first (a WeCom reject asks for the reason):
   * someone who may not act is told so before being asked.
   */
  async function precheckClick(event: InboundCardAction): Promise<IngestResult | undefined> {
    const [verdict] = await precheck([sanitizeEvent(event)]);
    if (!verdict) return undefined;
    return { status: verdict.ok ? 'accepted' : 'refused', feedback: { text: verdict.text, tone: verdict.ok ? 'success' : 'error' } };
  }
  /**
   * A card form's submission judged now, for a receiver that can answer the submitter at once
   * (the simulator): the request is created (or the form refused with every field's error)
   * before this returns, so "submitted" is only said of a request that exists. Keyed like the
   * inbound worker's submit (platform and event id), so a retry finds the same request.
   */
  async function submitCardForm(raw: InboundCardAction): Promise<FormIngestResult> {
    const event = sanitizeEvent(raw);
    const person = dir.personByPlatformId(event.platform, event.senderId);
    if (!person) return { status: 'refused', feedback: { text: t(locale, 'refuse.unknown_person'), tone: 'error' } };
    const outcome = await submitForm({ approvals: deps.approvals, dir, locale, now: deps.approvals.now }, event.action, event.form ?? {}, { personId: person.id, platform: event.platform }, `${event.platform}:${event.eventId}`);
    const text = renderMessage(locale, outcome.message.key, outcome.message.params);
    deps.metrics?.inbound.inc({ platform: event.platform, kind: event.kind, status: outcome.ok ? 'accepted' : 'refused' });
    if (!outcome.ok) return { status: 'refused', feedback: { text, tone: 'error' }, ...(outcome.fields ? { fields: outcome.fields } : {}) };
    return { status: outcome.duplicate ? 'duplicate' : 'accepted', feedback: { text, tone: 'success' }, request: { id: outcome.state.id, number: outcome.state.number } };
  }
  return Object.assign(ingest, { precheck: precheckClick, submitForm: submitCardForm });

  async function runBatch(events: InboundEvent[]): Promise<IngestResult[]> {
    // 1. Claim the dedupe keys (one command for the batch; a repeat within the batch finds its
    //    first's claim) and, side by side, the clicks' pre-check (one load for all).
    const keys = events.map(dedupeKey);
    const [claimed, verdicts] = await Promise.all([
      claim(keys, claimTtl).then(
        (replies) => replies,
        (err: unknown) => {
          log.error({ err }, 'could not dedupe inbound events (Redis)');
          return undefined;
        },
      ),
      precheck(events),
    ]);
    if (!claimed) return events.map(() => UNAVAILABLE);

    // 2. What each event gets: a duplicate is acked and dropped; one another ingest has claimed
    //    but not queued yet waits for it (settle) and is at worst answered "retry later" (if that
    //    ingest died, its claim expires and the retry goes through); a refused click changes nothing, so it is not queued ("recorded
    //    nowhere") and its key goes (some platforms derive click ids from the card and value, and
    //    the same click may be valid later, when the step it targets opens); everything else is
    //    accepted, a click with the toast its pre-check chose.
    const results: IngestResult[] = [];
    const accepted: InboundItem[] = [];
    const acceptedAt: number[] = [];
    const release: string[] = [];
    for (const [i, event] of events.entries()) {
      const verdict = verdicts[i];
      if (claimed[i] === CLAIMED_ELSEWHERE) {
        results.push(ELSEWHERE);
      } else if (claimed[i] !== CLAIMED) {
        log.debug({ platform: event.platform, eventId: event.eventId }, 'duplicate event dropped');
        results.push(DUPLICATE);
      } else if (verdict && !verdict.ok) {
        log.info({ platform: event.platform, sender: event.senderId, action: event.kind === 'card_action' ? event.action : undefined, reason: verdict.key }, 'card action refused');
        results.push({ status: 'refused', feedback: { text: verdict.text, tone: 'error' }, ...(verdict.card ? { card: verdict.card } : {}) });
        release.push(keys[i]!);
      } else {
        results.push(verdict ? { status: 'accepted', feedback: { text: verdict.text, tone: 'success' } } : { status: 'accepted' });
        accepted.push(verdict ? { event, ackKey: verdict.key } : { event });
        acceptedAt.push(i);
      }
    }

    // 3. Enqueue what was accepted, as one job: the ack waits until Redis has it. Then the keys
    //    count as seen for 24 h.
    if (accepted.length) {
      try {
        await deps.inbound.add(INBOUND_JOB, { events: accepted });
        await commit(acceptedAt.map((i) => keys[i]!), DEDUPE_TTL_SECONDS).catch((err: unknown) => {
          // Queued all the same; a retry after the claim expires is stopped by processed_events.
          log.warn({ err, events: accepted.length }, 'could not commit dedupe keys');
        });
      } catch (err) {
        // Not queued: forget the dedupe keys so the platforms' retries get through.
        log.error({ err, events: accepted.length }, 'could not enqueue inbound events');
        release.push(...acceptedAt.map((i) => keys[i]!));
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
    const dialogClicks: Array<Promise<void>> = [];
    for (const [i, e] of events.entries()) {
      if (e.kind !== 'card_action') continue;
      const person = dir.personByPlatformId(e.platform, e.senderId);
      if (!person) {
        verdicts[i] = { ok: false, key: 'refuse.unknown_person', text: t(locale, 'refuse.unknown_person') };
        continue;
      }
      // A card form whose fields are wrong is refused here, nothing queued: the answer puts each
      // error beside its field, values kept. Otherwise the worker submits (only the simulator
      // waits for it): say it is being submitted, never that it was (the result goes to the DM).
      if (submitsForm(e.action)) {
        const refused = refusedFormCard({ dir, locale, now: deps.approvals.now }, e.action, e.form ?? {});
        verdicts[i] = refused
          ? { ok: false, key: 'feedback.form_fix', text: t(locale, 'feedback.form_fix', { n: refused.fields }), card: refused.card }
          : { ok: true, key: 'feedback.form_received', text: t(locale, 'feedback.form_received') };
        continue;
      }
      if (e.action.a === DIALOG_ACTION) {
        dialogClicks.push(
          dialogVerdict(e, person.id).then(
            (v) => void (verdicts[i] = v),
            (err: unknown) => log.warn({ err }, 'dialog click pre-check failed; accepting without a toast'),
          ),
        );
        continue;
      }
      const action = toCoreAction(e.action, e.form);
      if (action && e.action.r) asks.push({ i, requestId: e.action.r, action, actor: { personId: person.id, platform: e.platform } });
    }
    await Promise.all(dialogClicks);
    if (!asks.length) return verdicts;
    if (overdue >= MAX_IN_FLIGHT) {
      // Earlier pre-checks still hang on the database: do not pile more onto it, but let one
      // through now and then to notice it is back (should a hung query never settle).
      if (Date.now() - lastProbe < PROBE_EVERY_MS) {
        log.warn({ clicks: asks.length, overdue }, 'click pre-checks overdue; accepting without a toast');
        return verdicts;
      }
      lastProbe = Date.now();
    }
    try {
      const previews = await withinWait(deps.approvals.previewMany(asks));
      if (!previews) {
        log.warn({ clicks: asks.length, waitMs: precheckWait }, 'click pre-check too slow; accepting without a toast');
        return verdicts;
      }
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

  /**
   * A button of a dialog's confirmation card: what it does, said as it is (submitting, editing,
   * cancelling), or refused when the card is no longer the dialog's current one (submitted,
   * cancelled, replaced): nothing is queued then.
   */
  async function dialogVerdict(e: InboundCardAction, personId: string): Promise<Verdict | undefined> {
    const s = await peekDialog(redis, deps.prefix, e.platform, personId);
    const live = s && deps.approvals.now().getTime() - Date.parse(s.updatedAt) <= DIALOG_IDLE_MS;
    const current = live && s.phase === 'confirm' && e.action.t === cardToken(s);
    if (!current) return { ok: false, key: 'dialog.toast.stale', text: t(locale, 'dialog.toast.stale') };
    const button = e.action.s === 'submit' || e.action.s === 'edit' || e.action.s === 'cancel' ? e.action.s : undefined;
    if (!button) return undefined;
    const key = `dialog.toast.${button}` as const;
    return { ok: true, key, text: t(locale, key) };
  }

  /** The pre-check's answer, or undefined once PRECHECK_WAIT_MS has passed (it keeps running, counted as overdue). */
  async function withinWait<T>(work: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    let late = false;
    const deadline = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        late = true;
        overdue++;
        lastProbe = Date.now();
        resolve(undefined);
      }, precheckWait);
    });
    const settled = () => {
      clearTimeout(timer);
      if (late) overdue--;
    };
    work.then(settled, settled);
    return Promise.race([work, deadline]);
  }
}

export type Ingest = ReturnType<typeof createIngest>;
