// Dialog sessions in Redis: one record per person and platform (the dialog lives in the
// person's DM there), read and written under a short lock so two messages typed in quick
// succession (the inbound worker runs jobs concurrently) are applied one after the other.
// The record also keeps the replies to the last event, so a retried inbound job replays them
// instead of applying the same answer twice.
//
// Idle expiry is decided by the caller with its clock (tests use a fake one); the Redis TTL
// only cleans up, and is longer than the idle timeout so the next message can still say
// "your form expired" instead of a bare help text.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Platform } from '../../org/schema.js';
import { runLua } from '../../queue/lua.js';
import type { DialogSession, Reply } from './types.js';

export interface DialogRecord {
  session: DialogSession | null;
  last?: { eventId: string; replies: Reply[] };
}

export interface DialogStoreOptions {
  /** How long a session waits for the next answer. */
  idleMs: number;
  /** How long the expired session is kept to tell the person (default one day). */
  graceMs?: number;
  lockMs?: number;
  lockWaitMs?: number;
}

const REPLAY_TTL_SECONDS = 15 * 60;

export class DialogBusyError extends Error {
  constructor(key: string) {
    super(`dialog ${key} is locked`);
    this.name = 'DialogBusyError';
  }
}

/** Where a person's dialog on a platform is kept. */
export const dialogKey = (prefix: string, platform: Platform, personId: string) => `${prefix}:dialog:${platform}:${personId}:dm`;

/** The person's dialog session as stored now, read without the lock (a receiver's toast). */
export async function peekDialog(redis: Redis, prefix: string, platform: Platform, personId: string): Promise<DialogSession | null> {
  const raw = await redis.get(dialogKey(prefix, platform, personId));
  try {
    const rec = raw ? (JSON.parse(raw) as DialogRecord) : null;
    return rec?.session?.v === 1 ? rec.session : null;
  } catch {
    return null;
  }
}

export function createDialogStore(redis: Redis, prefix: string, opts: DialogStoreOptions) {
  const lockMs = opts.lockMs ?? 15_000;
  const lockWaitMs = opts.lockWaitMs ?? 10_000;
  const ttlSeconds = Math.ceil((opts.idleMs + (opts.graceMs ?? 24 * 3600_000)) / 1000);
  const key = (platform: Platform, personId: string) => dialogKey(prefix, platform, personId);

  async function read(k: string): Promise<DialogRecord> {
    const raw = await redis.get(k);
    if (!raw) return { session: null };
    try {
      const rec = JSON.parse(raw) as DialogRecord;
      return rec && typeof rec === 'object' ? { session: rec.session?.v === 1 ? rec.session : null, ...(rec.last ? { last: rec.last } : {}) } : { session: null };
    } catch {
      return { session: null };
    }
  }

  async function lock(k: string): Promise<string> {
    const token = randomUUID();
    const until = Date.now() + lockWaitMs;
    for (let wait = 20; ; wait = Math.min(wait * 2, 200)) {
      if ((await redis.set(`${k}:lock`, token, 'PX', lockMs, 'NX')) === 'OK') return token;
      if (Date.now() > until) throw new DialogBusyError(k);
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  return {
    idleMs: opts.idleMs,
    key,
    /** Read, change and write one person's record under the lock. */
    async transact<T>(platform: Platform, personId: string, fn: (rec: DialogRecord) => Promise<{ record: DialogRecord; result: T }>): Promise<T> {
      const k = key(platform, personId);
      const token = await lock(k);
      try {
        const { record, result } = await fn(await read(k));
        const ttl = record.session ? ttlSeconds : REPLAY_TTL_SECONDS;
        await redis.set(k, JSON.stringify(record), 'EX', ttl);
        return result;
      } finally {
        await runLua(redis, 'delete-if-equal', [`${k}:lock`], [token]).catch(() => undefined);
      }
    },
    async get(platform: Platform, personId: string): Promise<DialogSession | null> {
      return (await read(key(platform, personId))).session;
    },
    async clear(platform: Platform, personId: string): Promise<void> {
      await redis.del(key(platform, personId));
    },
  };
}

export type DialogStore = ReturnType<typeof createDialogStore>;
