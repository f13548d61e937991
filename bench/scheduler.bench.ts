// The scheduler at scale: 100,000 pending deadlines in Postgres mirrored as BullMQ delayed jobs.
// Reports Redis memory per pending deadline (against the empty queue measured first in the same
// run), the time to schedule them and to reconcile them from Postgres after Redis lost them, and
// the fire lateness of 5,000 timers falling due at the same instant. Uses its own database and
// Redis key prefix and removes both at the end.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import postgres from 'postgres';
import { createCalendar } from '../src/core/calendar/index.js';
import { loadOrg } from '../src/org/load.js';
import { createScheduleQueue } from '../src/queue/queues.js';
import { createScheduler } from '../src/scheduler/index.js';
import type { Approvals } from '../src/services/approvals.js';
import { openDatabase } from '../src/store/db.js';
import { createSchedulerStore } from '../src/store/scheduler-store.js';
import { insertTimers, timerIdOf } from '../src/store/timers-repo.js';
import { approvalSteps, requests } from '../src/store/schema.js';
import { eventPayload } from '../test/support/core-fixtures.js';
import { PG_ADMIN_URL, REDIS_URL, dbUrl } from '../test/support/env.js';

const PENDING = Number(process.env.BENCH_DEADLINES ?? 100_000);
const BURST = Number(process.env.BENCH_BURST ?? 5_000);
const tag = `${process.pid}${Math.random().toString(36).slice(2, 6)}`;
const dbName = `qianpi_bench_${tag}`;
const prefix = `qbench${tag}`;
const log = pino({ level: process.env.BENCH_LOG ?? 'silent' });
const ms = (t: number) => `${t.toFixed(0)} ms`;
const kb = (b: number) => `${(b / 1024).toFixed(2)} KB`;

const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${dbName}`);
const database = await openDatabase({ url: dbUrl(dbName), dataDir: '/tmp', poolSize: 20 });
const stats = postgres(dbUrl(dbName), { max: 1, onnotice: () => {} });
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const workerConn = new Redis(REDIS_URL, { maxRetriesPerRequest: null });

/**
 * Lateness as others see it: polls the count of committed fired rows every 10 ms and returns,
 * for a quantile q, how long after `due` the first q of the burst were committed (fired_at is
 * the claim time, taken when a batch starts; its audit and outbox rows appear at commit).
 */
async function watchCommits(count: () => Promise<number>, due: Date, until: number): Promise<(q: number) => number> {
  const seen: Array<{ at: number; n: number }> = [];
  for (;;) {
    const n = await count();
    seen.push({ at: Date.now(), n });
    if (n >= BURST || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  return (q) => (seen.find((x) => x.n >= Math.ceil(q * BURST))?.at ?? NaN) - due.getTime();
}

/**
 * How many of the burst due at `at` have been fired (committed): the burst less its rows still
 * pending, read through the pending-timers index, so polling every 10 ms costs Postgres little
 * (a count over the whole table would itself slow the burst down).
 */
const firedBy = (at: Date) => async () => BURST - ((await stats<Array<{ n: number }>>`select count(*)::int as n from timers where fired_at is null and cancelled_at is null and fire_at = ${at}`)[0]?.n ?? 0);

async function usedMemory(): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

try {
  await database.migrate();
  const dir = loadOrg(undefined);
  const org = dir.org.organisation;
  const calendar = createCalendar({ timezone: org.timezone, businessHours: org.businessHours });
  const queue = createScheduleQueue(redis, prefix);
  const scheduler = createScheduler({
    store: createSchedulerStore(database.db),
    queue,
    dir,
    calendar,
    locale: 'zh-CN',
    log,
    prefix,
    approvals: () => ({}) as Approvals, // benchmark timers are reminders without a request: no transitions
  });
  await scheduler.queue.waitUntilReady();

  // ---- Baseline: the empty queue, same Redis, same run.
  await new Promise((r) => setTimeout(r, 200));
  const baseline = await usedMemory();

  // ---- Schedule: rows in Postgres, then their delayed jobs (what a transition's commit does, in bulk).
  const now = Date.now();
  const rows = Array.from({ length: PENDING }, (_, i) => {
    const chain = `bench/${i}`;
    // Spread over the next 30 days, as real deadlines are.
    return { id: timerIdOf(chain, 0), requestId: null, kind: 'remind', fireAt: new Date(now + 3_600_000 + Math.floor((i / PENDING) * 30 * 86_400_000)), payload: { chain, n: 0 } };
  });
  let t = performance.now();
  await insertTimers(database.db, rows);
  const insertMs = performance.now() - t;
  t = performance.now();
  await scheduler.mirror(rows.map((r) => ({ id: r.id, fireAt: r.fireAt })));
  const mirrorMs = performance.now() - t;
  // One tick per instant at which timers fall due (spread over 30 days, nearly every deadline has its own).
  const delayed = await scheduler.queue.getDelayedCount();
  if (delayed < 1 || delayed > PENDING) throw new Error(`expected up to ${PENDING} delayed jobs, found ${delayed}`);

  // ---- Memory per pending deadline: INFO delta, and MEMORY USAGE sampling of what one job costs.
  const afterInfo = await usedMemory();
  const perInfo = (afterInfo - baseline) / PENDING;
  const jobIds = await redis.zrange(`${prefix}:schedule:delayed`, '0', '-1');
  const sample = jobIds.filter((_, i) => i % Math.ceil(jobIds.length / 1000) === 0);
  let hashBytes = 0;
  for (const id of sample) hashBytes += (await redis.memory('USAGE', `${prefix}:schedule:${id}`, 'SAMPLES', '0')) ?? 0;
  const zsetBytes = (await redis.memory('USAGE', `${prefix}:schedule:delayed`, 'SAMPLES', '0')) ?? 0;
  const perSample = ((hashBytes / sample.length) * delayed + zsetBytes) / PENDING;

  // ---- Redis loses everything; reconcile rebuilds it from Postgres.
  const keys = await redis.keys(`${prefix}:schedule:*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  if ((await scheduler.queue.getDelayedCount()) !== 0) throw new Error('flush failed');
  t = performance.now();
  const rec = await scheduler.reconcile({ full: true });
  const reconcileMs = performance.now() - t;
  if ((await scheduler.queue.getDelayedCount()) !== delayed) throw new Error('reconcile lost jobs');

  // ---- A burst: BURST timers due at the same instant, among the pending ones.
  const at = new Date(Date.now() + 8_000);
  const burst = Array.from({ length: BURST }, (_, i) => ({ id: timerIdOf(`burst/${i}`, 0), requestId: null, kind: 'remind', fireAt: at, payload: { chain: `burst/${i}`, n: 0 } }));
  await insertTimers(database.db, burst);
  await scheduler.mirror(burst.map((b) => ({ id: b.id, fireAt: b.fireAt })));
  const worker = scheduler.createWorker(workerConn);
  void worker.run();
  const deadline = Date.now() + 120_000;
  const visible = await watchCommits(firedBy(at), at, deadline);
  const lateness = (like: string) => stats<Array<{ p50: number; p99: number; max: number; min: number; n: number }>>`
    select percentile_cont(0.5) within group (order by extract(epoch from fired_at - fire_at) * 1000) as p50,
           percentile_cont(0.99) within group (order by extract(epoch from fired_at - fire_at) * 1000) as p99,
           max(extract(epoch from fired_at - fire_at) * 1000) as max, min(extract(epoch from fired_at - fire_at) * 1000) as min, count(*)::int as n
    from timers where payload->>'chain' like ${like} and (payload->>'n')::int = 0 and fired_at is not null`;
  const [late] = await lateness('burst/%');
  if (Number(late?.n) !== BURST) throw new Error(`only ${late?.n} of ${BURST} burst timers fired`);
  const [dupes] = await stats<Array<{ n: number }>>`select count(*)::int as n from timers where fired_at is not null and payload->>'chain' not like 'burst/%'`;

  // ---- The same burst as real reminders: each locks its request, writes audit + outbox, schedules its next point.
  const activated = new Date(Date.now() - 3_600_000);
  const dueAt = calendar.dueAt('5wd', activated);
  const reqs = Array.from({ length: BURST }, (_, i) => ({ id: randomUUID(), number: `B-${String(i + 1).padStart(5, '0')}` }));
  for (let i = 0; i < reqs.length; i += 2000) {
    const chunk = reqs.slice(i, i + 2000);
    await database.db.insert(requests).values(
      chunk.map((r) => ({ id: r.id, number: r.number, type: 'event', title: r.number, applicantId: 'liming', deptId: 'east-marketing', status: 'pending', payload: eventPayload(), round: 1, currentStep: 0, version: 1, urgent: false, createdAt: activated, updatedAt: activated })),
    );
    await database.db.insert(approvalSteps).values(
      chunk.map((r) => ({ requestId: r.id, round: 1, position: 0, stepId: 'dept-lead', name: '部门负责人审批', kind: 'approval', mode: 'any', approvers: ['liuyang'], status: 'active', due: '5wd', dueAt, activatedAt: activated })),
    );
  }
  const at2 = new Date(Date.now() + 5_000);
  const real = reqs.map((r) => {
    const chain = `${r.id}/s1/dept-lead/${activated.getTime()}`;
    return { id: timerIdOf(chain, 0), requestId: r.id, kind: 'remind', fireAt: at2, payload: { chain, n: 0, stepId: 'dept-lead' } };
  });
  await insertTimers(database.db, real);
  await scheduler.mirror(real.map((x) => ({ id: x.id, fireAt: x.fireAt })));
  const visibleReal = await watchCommits(firedBy(at2), at2, deadline + 120_000);
  const [lateReal] = await lateness('%/s1/dept-lead/%');
  const [sent] = await stats<Array<{ n: number }>>`select count(*)::int as n from audit_log where action = 'reminder_sent'`;
  await worker.close();
  await scheduler.close();
  await queue.close();

  const per = Math.max(perInfo, perSample);
  console.log(`pending deadlines:          ${PENDING.toLocaleString('en-US')} in ${delayed.toLocaleString('en-US')} delayed jobs (baseline: empty queue, used_memory ${(baseline / 1048576).toFixed(1)} MB)`);
  console.log(`redis memory per deadline:  ${Math.round(perInfo)} B (INFO delta) · ${Math.round(perSample)} B (MEMORY USAGE sample: job hash + delayed zset share)  target < 1024 B`);
  console.log(`schedule:                   ${ms(insertMs + mirrorMs)} (Postgres insert ${ms(insertMs)}, BullMQ mirror ${ms(mirrorMs)}; ${Math.round(PENDING / ((insertMs + mirrorMs) / 1000)).toLocaleString('en-US')}/s)`);
  console.log(`reconcile from Postgres:    ${ms(reconcileMs)} for ${rec.mirrored.toLocaleString('en-US')} jobs after Redis lost them  target ≤ 30 s`);
  console.log(`burst of ${BURST.toLocaleString('en-US')} due together: fired (claimed) min ${ms(Number(late!.min))}, p50 ${ms(Number(late!.p50))}, p99 ${ms(Number(late!.p99))}, max ${ms(Number(late!.max))}; committed p50 ${ms(visible(0.5))}, p99 ${ms(visible(0.99))} (one worker process)  target p99 ≤ 1 s`);
  console.log(`… as real reminders:        fired (claimed) min ${ms(Number(lateReal!.min))}, p50 ${ms(Number(lateReal!.p50))}, p99 ${ms(Number(lateReal!.p99))}, max ${ms(Number(lateReal!.max))}; committed (audit + outbox visible) p50 ${ms(visibleReal(0.5))}, p99 ${ms(visibleReal(0.99))}; ${sent?.n} reminders written (expected ${BURST})`);
  console.log(`fired early / twice:        ${Number(dupes?.n)} of the far-future timers fired (expected 0)`);
  console.log(`extrapolated to 1,000,000:  ~${((per * 1_000_000) / 1048576).toFixed(0)} MB of Redis, schedule ~${((insertMs + mirrorMs) / 100).toFixed(0)} s, full reconcile ~${(reconcileMs / 100).toFixed(0)} s (linear)`);
  if (per >= 1024) console.log(`  ! memory per deadline ${kb(per)} is over the 1 KB target`);
} finally {
  const keys = await redis.keys(`${prefix}:*`);
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
  redis.disconnect();
  workerConn.disconnect();
  await database.close();
  await stats.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
