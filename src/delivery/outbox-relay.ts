// Moves committed notification intents from the outbox into the delivery queues. Rows are
// claimed with SKIP LOCKED so any number of replicas can relay; job ids derive from the row id,
// so a relay that crashes after enqueueing and before marking re-enqueues nothing new.
import { asc, eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Effect } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Platform } from '../org/schema.js';
import type { DeliveryJob, Target } from '../queue/jobs.js';
import { jobId } from '../queue/jobs.js';
import type { Database } from '../store/db.js';
import { outbox } from '../store/schema.js';
import type { DeliveryQueues } from './queues.js';

export interface RelayDeps {
  database: Database;
  dir: Directory;
  queues: DeliveryQueues;
  enabled: ReadonlySet<Platform>;
  log: Logger;
}

type OutboxRow = typeof outbox.$inferSelect;

/** Expand one intent into per-platform, per-recipient delivery jobs. */
export function expand(row: OutboxRow, dir: Directory, enabled: ReadonlySet<Platform>): Array<{ job: DeliveryJob; id: string }> {
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
      toPeople(e.people, (platform, target) => ({ type: 'message.send', platform, target, message: e.message, requestId }));
      toRooms(e.rooms ?? [], (platform, target) => ({ type: 'message.send', platform, target, message: e.message, requestId }), 'n');
      break;
    case 'prompt_form':
      toPeople(e.people, (platform, target) => ({ type: 'message.send', platform, target, message: e.message, requestId }), 'm');
      toPeople(e.people, (platform, target) => ({ type: 'form.send', platform, target, requestType: e.requestType, prefill: e.prefill, requestId }), 'f');
      break;
    default:
      break;
  }
  return out;
}

export function createOutboxRelay(deps: RelayDeps) {
  let running: Promise<number> | undefined;
  let again = false;

  async function relayBatch(limit = 100): Promise<number> {
    return deps.database.db.transaction(async (tx) => {
      const list = await tx
        .select()
        .from(outbox)
        .where(eq(outbox.status, 'pending'))
        .orderBy(asc(outbox.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      for (const row of list) {
        for (const { job, id } of expand(row, deps.dir, deps.enabled)) await deps.queues.add(job, id);
        await tx.update(outbox).set({ status: 'relayed', relayedAt: new Date() }).where(eq(outbox.id, row.id));
      }
      return list.length;
    });
  }

  /** Relay everything pending now. Concurrent calls coalesce into one loop. */
  async function relay(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        for (let n = await relayBatch(); n > 0; n = await relayBatch()) total += n;
      } while (again);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    relay,
    /** Fire-and-forget trigger after a commit; errors are logged, the poll catches up. */
    kick(): void {
      relay().catch((err: unknown) => deps.log.error({ err }, 'outbox relay failed'));
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
