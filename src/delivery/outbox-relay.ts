// Moves committed notification intents from the outbox into the delivery queues. Rows are
// claimed with SKIP LOCKED so any number of replicas can relay; job ids derive from the row id,
// so a relay that crashes after enqueueing and before marking re-enqueues nothing new. A row stays
// `relayed` until every job it was expanded into has finished (`deliveries_done`, written by the
// deliverer); `redrive` queues again the jobs of such rows that are not done — after Redis lost
// its queues, nothing else would ever run them.
import type { Logger } from 'pino';
import type { Effect } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Platform } from '../org/schema.js';
import type { DeliveryJob, Target } from '../queue/jobs.js';
import { jobId } from '../queue/jobs.js';
import { drainer } from '../util/drain.js';
import type { OutboxRow, OutboxStore } from '../store/outbox-repo.js';
import type { DeliveryQueues } from '../queue/queues.js';
import { centreJobs, type CentreRelay } from './centre-jobs.js';

export interface RelayDeps {
  outbox: OutboxStore;
  dir: Directory;
  queues: DeliveryQueues;
  enabled: ReadonlySet<Platform>;
  log: Logger;
  /** The app's clock (requests' `updated_at` is written by it). */
  now?: () => Date;
  /** Approval centres mirrored from the outbox, and whether chat cards still go to their users. */
  centres?: CentreRelay;
}

/** How far back a re-drive looks: delivery jobs retry for minutes; a notice a day late is not sent. */
export const REDRIVE_WINDOW_MS = 24 * 3600_000;

/** The outbox row a delivery job was expanded from (its id begins `ob-<row id>-`). */
export const outboxIdOf = (id: string): number | undefined => {
  const m = /^ob-(\d+)-/.exec(id);
  return m ? Number(m[1]) : undefined;
};

/** Expand one intent into per-platform, per-recipient delivery jobs. */
export function expand(row: OutboxRow, dir: Directory, enabled: ReadonlySet<Platform>, centres?: CentreRelay): Array<{ job: DeliveryJob; id: string }> {
  const e = row.payload as unknown as Effect & { version: number };
  const requestId = row.requestId ?? '';
  const out: Array<{ job: DeliveryJob; id: string }> = [];
  const toPeople = (people: string[], make: (platform: Platform, target: Target) => DeliveryJob, tag = 'u') => {
    for (const personId of people) {
      for (const platform of dir.reachablePlatforms(personId, enabled)) {
        const id = dir.platformIdOf(personId, platform);
        if (id) out.push({ job: make(platform, { type: 'user', id, personId }), id: jobId('ob', row.id, platform, tag, personId) });
      }
    }
  };
  const toRooms = (rooms: string[], make: (platform: Platform, target: Target) => DeliveryJob, tag: string) => {
    for (const roomId of rooms) {
      for (const platform of dir.roomPlatforms(roomId, enabled)) {
        const id = dir.roomPlatformId(roomId, platform);
        if (id) out.push({ job: make(platform, { type: 'chat', id, roomId }), id: jobId('ob', row.id, platform, tag, roomId) });
      }
    }
  };
  switch (e.kind) {
    case 'refresh_cards':
      out.push({ job: { type: 'card.refresh', requestId }, id: jobId('ob', row.id, 'refresh') });
      break;
    case 'post_approval_card':
      toPeople(e.people, (platform, target) => ({ type: 'card.send', platform, requestId, cardKind: 'approval', target }));
      toRooms(e.rooms, (platform, target) => ({ type: 'card.send', platform, requestId, cardKind: 'approval', target }), 'c');
      break;
    case 'notify':
      toPeople(e.people, (platform, target) => ({ type: 'message.send', platform, target, message: e.message, requestId, ...(e.bulk ? { bulk: true } : {}) }));
      toRooms(e.rooms ?? [], (platform, target) => ({ type: 'message.send', platform, target, message: e.message, requestId, ...(e.bulk ? { bulk: true } : {}) }), 'n');
      break;
    case 'prompt_form':
      toPeople(e.people, (platform, target) => ({ type: 'message.send', platform, target, message: e.message, requestId }), 'm');
      toPeople(e.people, (platform, target) => ({ type: 'form.send', platform, target, requestType: e.requestType, prefill: e.prefill, requestId }), 'f');
      break;
    default:
      break;
  }
  return centres ? centreJobs(row, e.kind, out, centres) : out;
}

export function createOutboxRelay(deps: RelayDeps) {
  const clock = deps.now ?? (() => new Date());

  async function relayBatch(limit = 100): Promise<number> {
    const relayed = await deps.outbox.relayPending(limit, async (row) => {
      // Distinct ids: the row is delivered when as many are recorded done.
      const ids = new Set<string>();
      for (const { job, id } of expand(row, deps.dir, deps.enabled, deps.centres)) if (await deps.queues.add(job, id)) ids.add(id);
      return ids.size;
    });
    // Jobs that finished before the commit found their row still pending: close those rows now.
    await deps.outbox.closeDelivered(relayed);
    return relayed.length;
  }

  /**
   * Queue again every job of rows relayed within the window (and, with `olderThanMs`, at least
   * that long ago) that has not finished. A job still in Redis is left as it is (same id); one
   * already done is not queued, so nothing is sent twice. Rows whose jobs are all done (the
   * organisation changed since) are closed. Then the card copies left showing an older version
   * (their `card.update` or the fan-out that makes it was lost) get their update.
   */
  async function redrive(opts: { olderThanMs?: number } = {}): Promise<{ rows: number; jobs: number; cards: number }> {
    const store = deps.outbox;
    const real = Date.now();
    const since = new Date(real - REDRIVE_WINDOW_MS);
    const before = opts.olderThanMs !== undefined ? new Date(real - opts.olderThanMs) : undefined;
    let rows = 0;
    let jobs = 0;
    let afterId: number | undefined;
    for (;;) {
      const page = await store.relayedRows({ since, limit: 500, ...(before ? { before } : {}), ...(afterId !== undefined ? { afterId } : {}) });
      if (!page.length) break;
      afterId = page.at(-1)!.id;
      rows += page.length;
      const expanded = page.map((row) => ({ row, jobs: expand(row, deps.dir, deps.enabled, deps.centres) }));
      const done = await store.doneAmong(expanded.flatMap((x) => x.jobs.map((j) => j.id)));
      const closed: number[] = [];
      for (const x of expanded) {
        const open = x.jobs.filter((j) => !done.has(j.id));
        if (!open.length) closed.push(x.row.id);
        for (const { job, id } of open) if (await deps.queues.add(job, id)) jobs++;
      }
      await store.markDelivered(closed);
      if (page.length < 500) break;
    }
    let cards = 0;
    for (const c of await store.staleCards(new Date(clock().getTime() - REDRIVE_WINDOW_MS))) {
      await deps.queues.add({ type: 'card.update', platform: c.platform, cardMessageId: c.id, requestId: c.requestId, version: c.version }, jobId('upd', c.id, 'v', c.version));
      cards++;
    }
    if (jobs || cards) deps.log.info({ rows, jobs, cards }, 'outbox re-driven');
    return { rows, jobs, cards };
  }

  /** Relay everything pending now. Concurrent calls coalesce into one loop. */
  const relay = drainer(relayBatch);

  return {
    relay,
    redrive,
    /** Fire-and-forget trigger after a commit; errors are logged, the poll catches up. */
    kick(): void {
      relay().catch((err: unknown) => deps.log.error({ err }, 'outbox relay failed'));
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
