// The embedded default: no DATABASE_URL → PGlite under DATA_DIR, persisted across restarts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { REDIS_URL, uniqueName } from '../support/env.js';
import { EVENT_FORM, simClient } from '../support/sim-client.js';
import { until } from '../support/wait.js';

const dataDir = mkdtempSync(join(tmpdir(), 'qianpi-pglite-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const config = () =>
  loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, REDIS_URL, REDIS_PREFIX: uniqueName('pg'), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', OUTBOX_POLL_MS: '100' });

async function started() {
  const app = await buildApp({ config: config() });
  await app.start();
  const addr = app.http.server.address() as { port: number };
  return { app, sim: simClient(`http://127.0.0.1:${addr.port}`) };
}


describe('embedded PGlite', () => {
  it('runs the flow and keeps the request across a restart', async () => {
    let { app, sim } = await started();
    expect(app.database.kind).toBe('pglite');
    await sim.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
    const card = await until(async () => (await sim.history('liuyang')).find((m) => m.kind === 'card' && m.conversation === 'room:east-approvals'));
    const approve = (card.card as { buttons: Array<{ action: { a: string; r: string } }> }).buttons[0]!.action;
    await app.stop();

    ({ app, sim } = await started());
    try {
      const again = (await sim.history('liuyang')).find((m) => m.id === card.id);
      expect(again).toBeDefined();
      expect((await sim.request(approve.r)).request.status).toBe('pending');
      await sim.act('liuyang', card.id, approve);
      const done = await until(async () => {
        const m = (await sim.history('zhouqiang')).find((x) => x.id === card.id);
        return (m?.card as { status: { text: string } } | undefined)?.status.text === '已通过' ? m : undefined;
      });
      expect(done.version).toBeGreaterThan(1);
    } finally {
      await app.stop();
    }
  });
});
