// A million pending deadlines (issue 22 item 4): 1,000,000 pending timers in Postgres, due evenly
// over the next 30 days, with the scheduler mirroring in Redis only what falls due within its
// horizon (48 h). Reports, each with the load average:
//   - Redis memory (INFO used_memory of a private redis-server, against its empty-queue baseline
//     measured first), and what mirroring everything would take (the same bytes per job × all);
//   - start-up: the worker's scheduler.start() (job schedulers, windowed reconcile, digest
//     catch-up, recount) with the million pending;
//   - the burst: 5,000 timers due at one instant, fired with the million pending, against the same
//     burst fired first on an empty table (the baseline, same run).
// BENCH_MILLION scales the pending count (default 1,000,000); BENCH_HORIZON_H the horizon.
import os from 'node:os';
import { pino } from 'pino';
import postgres from 'postgres';
import { createCalendar } from '../src/core/calendar/index.js';
import { loadOrg } from '../src/org/load.js';
import { createScheduleQueue } from '../src/queue/queues.js';
import { createScheduler } from '../src/scheduler/index.js';
import type { Approvals } from '../src/services/approvals.js';
import { openDatabase } from '../src/store/db.js';
import { createSchedulerStore } from '../src/store/scheduler-store.js';
import { insertTimers, seedTimerSeries, timerIdOf } from '../src/store/timers-repo.js';
import { startPrivateRedis } from '../test/support/private-redis.js';
import { PG_ADMIN_URL, dbUrl } from '../test/support/env.js';
import { record } from './support/summary.js';

const PENDING = Number(process.env.BENCH_MILLION ?? 1_000_000);
const HORIZON_MS = Number(process.env.BENCH_HORIZON_H ?? 48) * 3_600_000;
const SPAN_MS = 30 * 86_400_000;
const BURST = 5_000;
const TARGETS = { redisMb: 100, startupMs: 30_000, burstSlack: 1.2 };
const tag = `${process.pid}${Math.random().toString(36).slice(2, 6)}`;
const dbName = `qianpi_bench_${tag}`;
const prefix = `qm${tag}`;
const log = pino({ level: process.env.BENCH_LOG ?? 'silent' });
const load = () => `load ${os.loadavg()[0]!.toFixed(2)}`;
const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;

const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE ${dbName}`);
const database = await openDatabase({ url: dbUrl(dbName), dataDir: '/tmp', poolSize: 20 });
const stats = postgres(dbUrl(dbName), { max: 1, onnotice: () => {} });
const redis = await startPrivateRedis();
const conns = [redis.client.duplicate(), redis.client.duplicate()];

async function usedMemory(): Promise<number> {
  const info = await redis.client.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

try {
  await database.migrate();
  const dir = loadOrg(undefined);
  const org = dir.org.organisation;
  const calendar = createCalendar({ timezone: org.timezone, businessHours: org.businessHours });
  const queue = createScheduleQueue(conns[0]!, prefix);
  const scheduler = createScheduler({
    store: createSchedulerStore(database.db),
    queue,
    dir,
    calendar,
    locale: 'zh-CN',
    log,
    prefix,
    mirrorHorizonMs: HORIZON_MS,
    approvals: () => ({}) as Approvals, // benchmark timers are reminders without a request: no transitions
  });
  await queue.waitUntilReady();
  const worker = scheduler.createWorker(conns[1]!);
  void worker.run();

  /** BURST timers due together `inMs` from now, mirrored as a commit would; their claim lateness (fired_at − fire_at). */
  async function burst(name: string, inMs: number) {
    const at = new Date(Date.now() + inMs);
    const rows = Array.from({ length: BURST }, (_, i) => ({ id: timerIdOf(`${name}/${i}`, 0), requestId: null, kind: 'remind', fireAt: at, payload: { chain: `${name}/${i}`, n: 0 } }));
    await insertTimers(database.db, rows);
    await scheduler.mirror(rows.map((r) => ({ id: r.id, fireAt: r.fireAt })));
    const until = Date.now() + inMs + 120_000;
    for (;;) {
      const [p] = await stats<Array<{ n: number }>>`select count(*)::int as n from timers where fired_at is null and cancelled_at is null and fire_at = ${at}`;
      if (p?.n === 0 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const [late] = await stats<Array<{ p50: number; p99: number; n: number }>>`
      select percentile_cont(0.5) within group (order by extract(epoch from fired_at - fire_at) * 1000) as p50,
             percentile_cont(0.99) within group (order by extract(epoch from fired_at - fire_at) * 1000) as p99, count(*)::int as n
      from timers where payload->>'chain' like ${`${name}/%`} and fired_at is not null`;
    if (late?.n !== BURST) throw new Error(`only ${late?.n} of ${BURST} ${name} timers fired`);
    return { p50: Number(late.p50), p99: Number(late.p99), load: load() };
  }

  // ---- Baselines: Redis with the empty queue; the burst on an empty table (after a warm-up burst).
  await new Promise((r) => setTimeout(r, 200));
  const baseline = await usedMemory();
  await burst('warm', 3_000);
  const base = await burst('base', 3_000);

  // ---- A million pending, generated in Postgres.
  let t = performance.now();
  await seedTimerSeries(database.db, { prefix: 'm', count: PENDING, from: new Date(Date.now() + 3_600_000), spanMs: SPAN_MS });
  await stats`analyze timers`;
  const seedMs = performance.now() - t;
  const seedLoad = load();

  // ---- Start-up: what the worker role runs (job schedulers, windowed reconcile, digest catch-up, recount).
  t = performance.now();
  await scheduler.start();
  const startMs = performance.now() - t;
  const startLoad = load();
  const jobs = await queue.getDelayedCount();
  const [within] = await stats<Array<{ n: number }>>`select count(*)::int as n from timers where fired_at is null and cancelled_at is null and fire_at <= now() + ${`${HORIZON_MS} milliseconds`}::interval`;
  await new Promise((r) => setTimeout(r, 200));
  const used = (await usedMemory()) - baseline;
  const perJob = used / Math.max(1, jobs);

  // ---- The periodic reconcile with the million pending (adds what entered the horizon).
  t = performance.now();
  const periodic = await scheduler.reconcile();
  const periodicMs = performance.now() - t;

  // ---- The same burst among the million.
  const loaded = await burst('loaded', 3_000);

  await worker.close();
  await scheduler.close();
  await queue.close();

  const n = PENDING.toLocaleString('en-US');
  const everything = perJob * PENDING;
  console.log(`pending in Postgres:        ${n} (due evenly over 30 days), seeded in ${(seedMs / 1000).toFixed(1)} s (generate_series, one statement) · ${seedLoad}`);
  console.log(`mirrored (horizon ${HORIZON_MS / 3_600_000} h):    ${jobs.toLocaleString('en-US')} delayed jobs for ${Number(within?.n).toLocaleString('en-US')} timers within the horizon`);
  console.log(`redis used_memory delta:    ${mb(used)} (${Math.round(perJob)} B per job, BullMQ's capped event stream included; baseline: the empty queue, ${mb(baseline)})  target ≤ ${TARGETS.redisMb} MB · ${startLoad}`);
  console.log(`  without the horizon:      ~${mb(everything)} (the same bytes per job × ${n}); with it ${(used / everything).toFixed(3)}× of that`);
  console.log(`start-up (scheduler.start): ${(startMs / 1000).toFixed(2)} s  target ≤ ${TARGETS.startupMs / 1000} s · ${startLoad}`);
  console.log(`periodic reconcile:         ${periodicMs.toFixed(0)} ms (${periodic.mirrored} timers that entered the horizon or fall due before the next run)`);
  console.log(`burst of ${BURST.toLocaleString('en-US')} due together:  empty table p50 ${base.p50.toFixed(0)} ms, p99 ${base.p99.toFixed(0)} ms (${base.load}); among ${n} pending p50 ${loaded.p50.toFixed(0)} ms, p99 ${loaded.p99.toFixed(0)} ms (${loaded.load}); ratio ${(loaded.p99 / base.p99).toFixed(2)}×`);
  record({ figure: `Redis for ${n} pending deadlines`, target: `≤ ${TARGETS.redisMb} MB`, measured: mb(used), ratio: `${(used / everything).toFixed(3)}× unwindowed`, met: used <= TARGETS.redisMb * 1048576 });
  record({ figure: `scheduler start-up, ${n} pending`, target: `≤ ${TARGETS.startupMs / 1000} s`, measured: `${(startMs / 1000).toFixed(2)} s`, ratio: `${(startMs / TARGETS.startupMs).toFixed(2)}× target`, met: startMs <= TARGETS.startupMs });
  record({ figure: `burst p99, ${n} pending vs empty`, target: 'unchanged', measured: `${loaded.p99.toFixed(0)} vs ${base.p99.toFixed(0)} ms`, ratio: `${(loaded.p99 / base.p99).toFixed(2)}× empty`, met: loaded.p99 <= TARGETS.burstSlack * base.p99 + 50 });
} finally {
  for (const c of conns) c.disconnect();
  await redis.stop();
  await database.close();
  await stats.end();
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
}
