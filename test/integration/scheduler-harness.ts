// Test harness for the scheduler on real Postgres and Redis: a warped clock (calendar math in
// fake time, BullMQ delays in real, short time), scheduler "nodes" (approval service + scheduler
// + worker, as a worker replica runs them) sharing one database and one Redis key prefix.
import { readFileSync } from 'node:fs';
import { asc, eq } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parse, stringify } from 'yaml';
import { createCalendar } from '../../src/core/calendar/index.js';
import type { Directory } from '../../src/org/directory.js';
import { EXAMPLE_ORG_FILE, calendarOptions, directoryFromText } from '../../src/org/load.js';
import { createScheduleQueue } from '../../src/queue/queues.js';
import type { HealthProvider } from '../../src/scheduler/digest.js';
import { createScheduler, type Scheduler } from '../../src/scheduler/index.js';
import { createApprovals, type Approvals } from '../../src/services/approvals.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { createSchedulerStore } from '../../src/store/scheduler-store.js';
import { auditLog, outbox, timers } from '../../src/store/schema.js';
import { createTestDatabaseUrl } from '../support/db.js';
import { REDIS_URL, uniqueName } from '../support/env.js';

export interface Clock {
  now(): Date;
  /** Real ms until an instant of the fake clock. */
  delayMs(at: Date): number;
}

/** Fake time that starts at `start` and runs `speed` times faster than real time. */
export function warp(start: Date, speed = 600): Clock {
  const t0 = Date.now();
  const now = () => new Date(start.getTime() + (Date.now() - t0) * speed);
  return { now, delayMs: (at) => (at.getTime() - now().getTime()) / speed };
}

/** A fixed instant, movable by the test. */
export function fixed(start: Date): Clock & { set(d: Date): void } {
  let t = start;
  return { now: () => t, delayMs: (at) => at.getTime() - t.getTime(), set: (d) => (t = d) };
}

export { sh } from '../support/core-fixtures.js';

/** The example organisation with organisation keys and workflows overridden. */
export function orgFrom(over: { organisation?: Record<string, unknown>; workflows?: unknown[]; roles?: Record<string, string[]> } = {}): Directory {
  const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as { organisation: Record<string, unknown>; roles: Record<string, string[]>; workflows: Array<{ requestType: string }> };
  Object.assign(org.organisation, over.organisation ?? {});
  Object.assign(org.roles, over.roles ?? {});
  if (over.workflows) {
    const replaced = new Set((over.workflows as Array<{ requestType: string }>).map((w) => w.requestType));
    org.workflows = [...org.workflows.filter((w) => !replaced.has(w.requestType)), ...(over.workflows as Array<{ requestType: string }>)];
  }
  return directoryFromText(stringify(org));
}

export { waitFor } from '../support/wait.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Node {
  approvals: Approvals;
  scheduler: Scheduler;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Stack {
  database: Database;
  node(dir: Directory, clock: Clock, opts?: { prefix?: string; worker?: boolean; health?: HealthProvider[]; mirrorHorizonMs?: number; reconcileEveryMs?: number }): Node;
  /** Forget everything in Redis under the prefix (what a lost or flushed Redis looks like). */
  flushRedis(prefix?: string): Promise<number>;
  audit(requestId: string): Promise<Array<{ action: string; actorId: string | null; platform: string | null; stepId: string | null; detail: Record<string, unknown> }>>;
  outbox(requestId: string): Promise<Array<{ kind: string; payload: Record<string, unknown>; dedupeKey: string | null }>>;
  timers(requestId: string): Promise<Array<typeof timers.$inferSelect>>;
  close(): Promise<void>;
}

export async function openStack(): Promise<Stack> {
  const tdb = await createTestDatabaseUrl();
  const database = await openDatabase({ url: tdb.url, dataDir: '/tmp', poolSize: 20 });
  const prefix = uniqueName('ts');
  const prefixes = new Set([prefix]);
  const nodes: Node[] = [];
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const db = database.db;
  async function flushRedis(p = prefix): Promise<number> {
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${p}:*`);
    for (let i = 0; i < keys.length; i += 500) await r.del(...keys.slice(i, i + 500));
    r.disconnect();
    return keys.length;
  }

  return {
    database,
    node(dir, clock, opts = {}) {
      const p = opts.prefix ?? prefix;
      prefixes.add(p);
      const conns: Redis[] = [];
      const connect = () => {
        const r = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
        r.on('error', () => {});
        conns.push(r);
        return r;
      };
      const org = dir.org.organisation;
      const calendar = createCalendar(calendarOptions(org));
      const queue = createScheduleQueue(connect(), p);
      const scheduler = createScheduler({ store: createSchedulerStore(database.db), queue, prefix: p, dir, calendar, locale: 'zh-CN', log, now: clock.now, delayMs: clock.delayMs, approvals: () => approvals, reconcileEveryMs: opts.reconcileEveryMs ?? 60_000, ...(opts.mirrorHorizonMs !== undefined ? { mirrorHorizonMs: opts.mirrorHorizonMs } : {}), ...(opts.health ? { health: opts.health } : {}) });
      const approvals: Approvals = createApprovals({ database, dir, now: clock.now, dueAt: (spec, from) => calendar.dueAt(spec, from), onTransition: [scheduler.onTransition], onCommitted: () => scheduler.flush() });
      const worker = opts.worker === false ? undefined : scheduler.createWorker(connect());
      let stopped = false;
      const node: Node = {
        approvals,
        scheduler,
        async start() {
          if (worker) void worker.run();
          await scheduler.start();
        },
        async stop() {
          if (stopped) return;
          stopped = true;
          await worker?.close();
          await scheduler.close();
          await queue.close();
          await Promise.all(conns.map((c) => c.quit().catch(() => c.disconnect())));
        },
      };
      nodes.push(node);
      return node;
    },
    flushRedis,
    audit: (requestId) =>
      db.select({ action: auditLog.action, actorId: auditLog.actorId, platform: auditLog.platform, stepId: auditLog.stepId, detail: auditLog.detail }).from(auditLog).where(eq(auditLog.requestId, requestId)).orderBy(asc(auditLog.id)),
    outbox: (requestId) =>
      db
        .select({ kind: outbox.kind, payload: outbox.payload, dedupeKey: outbox.dedupeKey })
        .from(outbox)
        .where(eq(outbox.requestId, requestId))
        .orderBy(asc(outbox.id)),
    timers: (requestId) => db.select().from(timers).where(eq(timers.requestId, requestId)).orderBy(asc(timers.fireAt)),
    async close() {
      for (const n of nodes) await n.stop().catch(() => {});
      for (const p of prefixes) await flushRedis(p);
      await database.close();
      await tdb.drop();
    },
  };
}


export const messages = (rows: Array<{ kind: string; payload: Record<string, unknown> }>) =>
  rows
    .filter((r) => r.kind === 'notify' || r.kind === 'prompt_form')
    .map((r) => {
      const p = r.payload as { people: string[]; rooms?: string[]; message: { key: string }; requestType?: string };
      return `${r.kind === 'prompt_form' ? `form:${p.requestType} ` : ''}${p.message.key} → ${[...p.people, ...(p.rooms ?? []).map((x) => `#${x}`)].join(',')}`;
    });
