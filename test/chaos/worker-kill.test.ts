// Chaos: the worker process is killed with SIGKILL in the middle of a storm of acknowledged
// clicks, and started again. The inbound jobs it held (active, locked by a process that no longer
// exists) are handed back by BullMQ's stalled-job check; with the workers' short locks that is
// within seconds of the new worker starting, not the 30–60 s of BullMQ's defaults. Every acked
// click is applied, once. The worker runs as a real child process (`src/main.ts`,
// PROCESS_ROLE=worker); the test is the web side (ingest) on the same database and a private Redis.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { decisions, outbox, processedEvents } from '../../src/store/schema.js';
import { eventPayload } from '../support/core-fixtures.js';
import { createTestDatabaseUrl } from '../support/db.js';
import { uniqueName } from '../support/env.js';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const N = 60;

let redis: PrivateRedis;
let web: App;
let dbUrl: string;
let dropDb: () => Promise<void>;
let prefix: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  redis = await startPrivateRedis();
  const db = await createTestDatabaseUrl();
  dbUrl = db.url;
  dropDb = db.drop;
  prefix = uniqueName('kill');
  const config = loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATABASE_URL: dbUrl, REDIS_URL: redis.url, REDIS_PREFIX: prefix, PROCESS_ROLE: 'web', LOG_LEVEL: 'silent', DATA_DIR: '/tmp/qianpi-test' });
  web = await buildApp({ config });
  await web.start();
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await web?.stop();
  await redis?.stop();
  await dropDb?.();
});

/** Start the worker process; resolves with it once it logs that it is up. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', PROCESS_ROLE: 'worker', DATABASE_URL: dbUrl, REDIS_URL: redis.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'info', PORT: '0', DATA_DIR: '/tmp/qianpi-test', ORG_FILE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${out}`)), 45_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('qianpi is up')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}):\n${out}`));
    });
  });
  return child;
}

const applied = async () => (await web.database.db.select({ n: count() }).from(decisions))[0]!.n;

describe('chaos: the worker is killed mid-storm', () => {
  it('kill -9 with acked clicks in flight: after the restart every one is applied within 5 s', async () => {
    // N requests waiting on their first approver.
    const clicks: Array<{ requestId: string; stepId: string; by: string }> = [];
    for (let i = 0; i < N; i++) {
      const r = await web.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name: `风暴 ${i}` }), platform: 'local' });
      if (!r.ok) throw new Error(JSON.stringify(r));
      const step = r.state.steps[r.state.current!]!;
      clicks.push({ requestId: r.state.id, stepId: step.id, by: step.approvers[0]! });
    }
    let worker = await startWorker();
    // The submissions' cards and notices out of the way: the storm is clicks only.
    await waitFor('the submissions delivered', async () => {
      const counts = await Promise.all(web.queues.deliveries.all().map((q) => q.getJobCounts('waiting', 'active', 'delayed')));
      return (await web.database.db.select({ n: count() }).from(outbox).where(eq(outbox.status, 'pending')))[0]!.n === 0 && counts.every((c) => Object.values(c).every((n) => n === 0));
    }, 60_000);

    // The storm: approve clicks, acked by ingest (in Redis) in small waves, while the worker
    // applies them. Once it is busy with some, it is killed.
    let sent = 0;
    const acked: string[] = [];
    const click = async (c: (typeof clicks)[number], i: number) => {
      const r = await web.ingest({ kind: 'card_action', platform: 'local', eventId: `storm-${i}`, receivedAt: new Date().toISOString(), senderId: c.by, action: { a: 'approve', r: c.requestId, s: c.stepId } });
      expect(r.status).toBe('accepted');
      acked.push(c.requestId);
    };
    let killedWith = -1;
    while (sent < N) {
      await Promise.all(clicks.slice(sent, sent + 4).map((c, k) => click(c, sent + k)));
      sent += 4;
      if (killedWith < 0 && (await applied()) > 0 && (await web.queues.inbound.getActiveCount()) > 0) {
        worker.kill('SIGKILL');
        await new Promise((r) => worker.once('exit', r));
        killedWith = await applied();
      }
    }
    expect(killedWith).toBeGreaterThanOrEqual(0); // the kill happened mid-storm
    expect(acked).toHaveLength(N);
    const stuck = await web.queues.inbound.getJobs(['active']);
    const before = await applied();
    expect(before).toBeLessThan(N);

    const restartedAt = Date.now();
    worker = await startWorker();
    const upAt = Date.now();
    let releasedAt = 0;
    await waitFor('every acked click applied', async () => {
      // Handed back: BullMQ counted the job as stalled (moved it to wait), or it is done already.
      if (!releasedAt) {
        const now = await Promise.all(stuck.map((j) => web.queues.inbound.getJob(j.id!)));
        if (now.every((j) => !j || j.stalledCounter > 0 || j.finishedOn)) releasedAt = Date.now();
      }
      return (await applied()) === N;
    }, 30_000);
    const doneAt = Date.now();
    releasedAt ||= doneAt;
    console.log(
      `[chaos] kill -9 after ${killedWith}/${N} clicks applied, ${stuck.length} inbound job(s) left active under the dead worker's lock; ` +
        `restart took ${upAt - restartedAt} ms; after the worker was up, those jobs were handed back in ${releasedAt - upAt} ms ` +
        `and all ${N} clicks applied in ${doneAt - upAt} ms`,
    );
    // ≈ 1–3 s when the machine is quiet; the bounds leave room for a loaded 2-core machine.
    expect(releasedAt - upAt).toBeLessThanOrEqual(5_000);
    expect(doneAt - upAt).toBeLessThanOrEqual(10_000);

    // Once each: one decision per request, one processed event per click.
    const perRequest = await web.database.db.select({ requestId: decisions.requestId, n: count() }).from(decisions).groupBy(decisions.requestId);
    expect(perRequest.every((r) => r.n === 1)).toBe(true);
    expect(perRequest).toHaveLength(N);
    expect((await web.database.db.select({ n: count() }).from(processedEvents).where(eq(processedEvents.requestId, clicks[0]!.requestId)))[0]!.n).toBe(1);
    worker.kill('SIGTERM');
  }, 120_000);
});
