// PROCESS_ROLE splits the service: here two web replicas and one worker share Postgres and
// Redis, and behave as one — a click on either web replica is decided once by the worker,
// and both replicas' browsers see the card change live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabaseUrl } from '../support/db.js';
import { REDIS_URL, uniqueName } from '../support/env.js';
import { EVENT_FORM, simClient } from '../support/sim-client.js';
import { until } from '../support/wait.js';

const apps: App[] = [];
let drop: () => Promise<void>;
let web1: ReturnType<typeof simClient>;
let web2: ReturnType<typeof simClient>;
let web2Url = '';

beforeAll(async () => {
  const db = await createTestDatabaseUrl();
  drop = db.drop;
  const prefix = uniqueName('roles');
  const env = (role: string) =>
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: prefix, PROCESS_ROLE: role, LOG_LEVEL: 'silent', OUTBOX_POLL_MS: '100' });
  for (const role of ['web', 'web', 'worker']) {
    const app = await buildApp({ config: env(role) });
    await app.start();
    apps.push(app);
  }
  const url = (a: App) => `http://127.0.0.1:${(a.http.server.address() as { port: number }).port}`;
  web1 = simClient(url(apps[0]!));
  web2Url = url(apps[1]!);
  web2 = simClient(web2Url);
});
afterAll(async () => {
  for (const a of apps) await a.stop();
  await drop?.();
});


describe('web and worker roles', () => {
  it('the worker does the work; web replicas only receive and serve', async () => {
    expect(apps[2]!.http.server.listening).toBe(false);
    expect(apps[0]!.workers).toHaveLength(0);
    await web1.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
    const card = await until(async () => (await web2.history('zhouqiang')).find((m) => m.kind === 'card'));
    const approve = (card.card as { buttons: Array<{ action: { a: string; r: string; s: string } }> }).buttons[0]!.action;

    // A browser on replica 2 listens live while the click lands on replica 1.
    const ctrl = new AbortController();
    const stream = await fetch(`${web2Url}/api/sim/stream?as=zhouqiang`, { signal: ctrl.signal });
    const reader = stream.body!.getReader();
    const seen = (async () => {
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return undefined;
        buf += new TextDecoder().decode(value);
        const m = /event: message\ndata: (.*)\n/.exec(buf);
        if (m) return JSON.parse(m[1]!) as { id: number; version: number };
      }
    })();
    const r = await Promise.all([web1.act('liuyang', card.id, approve, undefined, 'click-x-00001'), web2.act('liuyang', card.id, approve, undefined, 'click-x-00001')]);
    expect(r.map((x) => x.body.status).sort()).toEqual(['accepted', 'duplicate']);
    const update = await seen;
    ctrl.abort();
    expect(update).toMatchObject({ id: card.id });
    const detail = await web2.request(approve.r);
    expect(detail.request.status).toBe('approved');
    expect(detail.timeline.filter((e) => e.action === 'approved_step')).toHaveLength(1);
  });
});
