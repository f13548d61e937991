// Starts the whole app (web + worker roles) against a fresh database and a private Redis key
// prefix, with environment overrides. Platform tests point *_BASE_URL at their fake servers.
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type App, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabaseUrl } from './db.js';
import { REDIS_URL, uniqueName } from './env.js';
import { simClient } from './sim-client.js';

export interface TestApp {
  app: App;
  url: string;
  prefix: string;
  /** Resolves when every queue is empty and no job is running (or rejects after `ms`). */
  idle(ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** With `env.DATABASE_URL`, the app runs on that database (a restart) and close() leaves it. */
export async function startTestApp(env: Record<string, string> = {}, opts: Omit<AppOptions, 'config'> = {}): Promise<TestApp> {
  const db = env.DATABASE_URL ? { url: env.DATABASE_URL, drop: async () => {} } : await createTestDatabaseUrl();
  const prefix = uniqueName('t');
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    OUTBOX_POLL_MS: '200',
    DATA_DIR: '/tmp/qianpi-test',
    ...env,
  });
  const app = await buildApp({ config, ...opts });
  await app.start();
  const addr = app.http.server.address();
  const url = typeof addr === 'object' && addr ? `http://127.0.0.1:${addr.port}` : '';
  return {
    app,
    url,
    prefix,
    async idle(ms = 10_000) {
      const until = Date.now() + ms;
      const queues = [app.queues.inbound, ...app.queues.deliveries.all()];
      let quiet = 0;
      while (Date.now() < until) {
        await app.relay.relay();
        const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')));
        const busy = counts.some((c) => Object.values(c).some((n) => n > 0));
        quiet = busy ? 0 : quiet + 1;
        if (quiet >= 3) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error('queues did not become idle');
    },
    async close() {
      await app.stop();
      const r = new Redis(REDIS_URL);
      const keys = await r.keys(`${prefix}:*`);
      for (let i = 0; i < keys.length; i += 500) await r.del(...keys.slice(i, i + 500));
      r.disconnect();
      await db.drop();
    },
  };
}

/**
 * A test file's simulator-mode app and its simulator client, started before the file's tests
 * and closed after them: `const s = simApp();` then `s.t`, `s.sim`.
 */
export function simApp(): { readonly t: TestApp; readonly sim: ReturnType<typeof simClient> } {
  const held = {} as { t: TestApp; sim: ReturnType<typeof simClient> };
  beforeAll(async () => {
    held.t = await startTestApp();
    held.sim = simClient(held.t.url);
  });
  afterAll(() => held.t?.close());
  return held;
}
