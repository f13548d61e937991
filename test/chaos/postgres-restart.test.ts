// Postgres restarts and outages against the whole app, on a private cluster (the shared server
// is never touched). (a) Fast and immediate restarts under a storm of submissions and API reads
// must not crash the process: postgres.js 3.4.9 threw an uncatchable TypeError from a
// setImmediate write after its socket closed (patches/postgres+3.4.9.patch). (b) While Postgres
// is down, request-path calls answer 503 with Retry-After within a bound instead of hanging.
// (c) Once it is back, the app serves again within seconds (bounded reconnect back-off).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/store/db.js';
import { eventPayload } from '../support/core-fixtures.js';
import { REDIS_URL, uniqueName } from '../support/env.js';
import { waitFor } from '../support/wait.js';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres.js';

const READ = '/api/people/liming/requests';

describe('Postgres restart and outage', () => {
  let pg: PrivatePostgres;
  let app: App;
  let base = '';
  const prefix = uniqueName('chaos_pg');
  const uncaught: Error[] = [];
  const onUncaught = (err: Error) => uncaught.push(err);

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    pg = await startPrivatePostgres();
    const migrator = await openDatabase({ url: pg.url, dataDir: '/tmp' });
    await migrator.migrate();
    await migrator.close();
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: pg.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      OUTBOX_POLL_MS: '200',
      DATA_DIR: '/tmp/qianpi-test',
      SIMULATOR: 'on',
    });
    app = await buildApp({ config });
    await app.start();
    const addr = app.http.server.address();
    base = typeof addr === 'object' && addr ? `http://127.0.0.1:${addr.port}` : '';
  });

  afterAll(async () => {
    await app?.stop();
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${prefix}:*`);
    for (let i = 0; i < keys.length; i += 500) await r.del(...keys.slice(i, i + 500));
    r.disconnect();
    await pg?.destroy();
    process.off('uncaughtException', onUncaught);
  });

  const get = async (path: string, timeoutMs = 10_000) => {
    const t0 = Date.now();
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: string }, ms: Date.now() - t0 };
  };
  const submit = (n: number) => app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name: `压测 ${n}` }), platform: 'local' });

  /** Milliseconds until the read API answers 200 again. */
  const untilServing = async () => {
    const t0 = Date.now();
    await waitFor('the API to serve again', async () => (await get(READ, 5_000).catch(() => ({ status: 0 }))).status === 200, 30_000);
    return Date.now() - t0;
  };

  it('survives fast and immediate restarts under a storm of submissions and reads', async () => {
    let stop = false;
    const tally = { ok: 0, failed: 0, reads: 0, readErrors: 0 };
    const storm = async (w: number) => {
      for (let n = 0; !stop; n++) {
        try {
          await submit(w * 100_000 + n);
          tally.ok++;
        } catch {
          tally.failed++;
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const reader = async () => {
      while (!stop) {
        const r = await get(READ).catch(() => ({ status: 0 }));
        if (r.status === 200) tally.reads++;
        else tally.readErrors++;
        if (r.status !== 200) await new Promise((r) => setTimeout(r, 20));
      }
    };
    const load = [...Array.from({ length: 16 }, (_, w) => storm(w)), ...Array.from({ length: 4 }, reader)];
    const recoveries: number[] = [];
    try {
      for (const mode of ['fast', 'immediate', 'fast', 'immediate', 'fast', 'immediate'] as const) {
        const before = tally.ok;
        await waitFor('submissions to flow', async () => tally.ok >= before + 10, 20_000);
        await pg.stop(mode);
        await pg.start();
        recoveries.push(await untilServing());
      }
      const before = tally.ok;
      await waitFor('submissions to flow after the last restart', async () => tally.ok >= before + 10, 20_000);
    } finally {
      stop = true;
      await Promise.all(load);
    }
    console.log(`restarts under load: ${JSON.stringify(tally)}, back to serving after ${recoveries.join(', ')} ms`);
    expect(uncaught.map((e) => e.message)).toEqual([]);
    expect(tally.failed).toBeGreaterThan(0); // the restarts did hit queries in flight
    // Nothing left stuck: a fresh burst of submissions completes promptly.
    const t0 = Date.now();
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => submit(900_000 + i)));
    expect(burst.every((r) => r.ok)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5_000);
  }, 120_000);

  it('answers 503 with Retry-After while Postgres is down, and serves within seconds once it is back', async () => {
    expect((await get(READ)).status).toBe(200);
    await pg.stop('fast');
    const answers: Array<Awaited<ReturnType<typeof get>>> = [];
    try {
      // Calls right after the stop and well into the outage, 20 at once each time.
      for (let round = 0; round < 3; round++) {
        answers.push(...(await Promise.all(Array.from({ length: 20 }, () => get(READ, 10_000)))));
        await new Promise((r) => setTimeout(r, 1_000));
      }
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      await pg.start();
    }
    const recovery = await untilServing();
    const slowest = Math.max(...answers.map((a) => a.ms));
    console.log(`outage: ${answers.length} calls, statuses ${JSON.stringify(countBy(answers.map((a) => a.status)))}, slowest ${slowest} ms; serving again ${recovery} ms after Postgres started`);
    expect(answers.every((a) => a.status === 503)).toBe(true);
    expect(answers.every((a) => a.retryAfter === '5' && a.body.error === 'database unavailable, retry later')).toBe(true);
    expect(slowest).toBeLessThan(3_000);
    expect(recovery).toBeLessThanOrEqual(5_000);
    expect(uncaught.map((e) => e.message)).toEqual([]);
  }, 60_000);
});

function countBy(xs: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
