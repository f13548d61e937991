// Outbound webhooks end to end: endpoints registered through the admin API, decisions made
// through it, a real HTTP receiver that verifies every delivery with the documented algorithm
// (its own HMAC code, not ours), an outage (503, then connection refused) and a dead delivery
// redriven; each event reaches each endpoint exactly once. Without WEBHOOK_ALLOW_PRIVATE a
// loopback target is refused.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directoryFromText, EXAMPLE_ORG_FILE } from '../../src/org/load.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM } from '../support/sim-client.js';

const TOKEN = 'test-admin-token-0123456789';
const SECRETS: Record<string, string> = { '/finance': 'finance-secret-0123456789', '/all': 'all-events-secret-0123456789' };

interface Received {
  path: string;
  eventId: string;
  idempotencyKey: string;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the payload is checked field by field
  body: any;
}

/** A receiver as a finance system would write one, from the README's description. */
function receiver() {
  const got: Received[] = [];
  const refusedSignatures: string[] = [];
  let mode: 'ok' | 503 | 500 = 'ok';
  let server: Server | undefined;
  let port = 0;
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const secret = SECRETS[req.url ?? ''] ?? '';
      const ts = String(req.headers['x-qianpi-timestamp'] ?? '');
      const given = String(req.headers['x-qianpi-signature'] ?? '');
      const want = `v1=${createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex')}`;
      const fresh = Math.abs(Date.now() / 1000 - Number(ts)) <= 300;
      if (!fresh || given.length !== want.length || !timingSafeEqual(Buffer.from(given), Buffer.from(want))) {
        refusedSignatures.push(raw);
        res.writeHead(401).end();
        return;
      }
      if (mode !== 'ok') {
        res.writeHead(mode).end();
        return;
      }
      const body = JSON.parse(raw);
      got.push({ path: req.url ?? '', eventId: String(req.headers['x-qianpi-event-id']), idempotencyKey: String(req.headers['idempotency-key']), type: String(req.headers['x-qianpi-event']), body });
      res.writeHead(204).end();
    });
  };
  return {
    got,
    refusedSignatures,
    setMode: (m: typeof mode) => void (mode = m),
    async up() {
      server = createServer(handler);
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
      port = (server.address() as AddressInfo).port;
    },
    async down() {
      await new Promise((r) => server!.close(r));
      server!.closeAllConnections();
    },
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
  };
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 15_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const caller = (base: () => string) => async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(`${base()}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes vary per route
  return { status: r.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as Record<string, any> };
};

describe('outbound webhooks (private targets allowed)', () => {
  let t: TestApp;
  const rx = receiver();
  const call = caller(() => t.url);
  beforeAll(async () => {
    await rx.up();
    t = await startTestApp({ ADMIN_TOKEN: TOKEN, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_ATTEMPTS: '4', WEBHOOK_BACKOFF_MS: '200' });
  });
  afterAll(async () => {
    await t?.close();
    await rx.down().catch(() => {});
  });

  const submit = async (name: string) => {
    const r = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, name } });
    expect(r.status).toBe(201);
    return r.body.request as { id: string; number: string; steps: Array<{ id: string }>; current: number };
  };
  const act = async (req: { id: string; steps: Array<{ id: string }>; current: number }, action: string, extra: Record<string, string> = {}) => {
    const r = await call('POST', `/api/requests/${req.id}/actions`, { actorId: 'liuyang', action, stepId: req.steps[req.current]!.id, ...extra });
    expect(r.status).toBe(200);
  };
  const decisions = () => rx.got.filter((g) => g.path === '/finance');
  const log = async (q = '') => (await call('GET', `/api/admin/webhooks/deliveries${q}`)).body.deliveries as Array<Record<string, unknown>>;

  it('guards the admin API: 401 without the token, 422 on a bad body, 404 for an unknown endpoint', async () => {
    expect((await call('GET', '/api/admin/webhooks', undefined, { authorization: '' })).status).toBe(401);
    expect((await call('POST', '/api/admin/webhooks', { id: 'x', url: rx.url('/finance') }, { authorization: 'Bearer wrong' })).status).toBe(401);
    const bad = await call('POST', '/api/admin/webhooks', { id: 'Bad Id', url: 'ftp://example.com/', events: ['request.nope'] });
    expect([400, 422]).toContain(bad.status);
    expect((await call('POST', '/api/admin/webhooks', { id: 'short', url: rx.url('/finance'), secret: 'too-short' })).status).toBe(400);
    expect((await call('DELETE', '/api/admin/webhooks/nobody')).status).toBe(404);
    expect((await call('GET', '/api/admin/webhooks/deliveries?endpoint=nobody')).status).toBe(404);
    expect((await call('POST', '/api/admin/webhooks/deliveries/redrive', { ids: [999999] })).status).toBe(404);
  });

  it('registers endpoints; the secret is shown once and never listed', async () => {
    const finance = await call('POST', '/api/admin/webhooks', { id: 'finance', url: rx.url('/finance'), secret: SECRETS['/finance'], events: ['request.decided'] });
    expect(finance.status).toBe(201);
    expect(finance.body.secret).toBe(SECRETS['/finance']);
    expect((await call('POST', '/api/admin/webhooks', { id: 'all', url: rx.url('/all'), secret: SECRETS['/all'] })).status).toBe(201);
    expect((await call('POST', '/api/admin/webhooks', { id: 'finance', url: rx.url('/finance') })).status).toBe(409);
    const generated = await call('POST', '/api/admin/webhooks', { id: 'temp', url: rx.url('/nowhere') });
    expect(generated.body.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect((await call('DELETE', '/api/admin/webhooks/temp')).status).toBe(204);
    const list = await call('GET', '/api/admin/webhooks');
    expect(list.body.endpoints.map((e: { id: string }) => e.id)).toEqual(['all', 'finance']);
    expect(JSON.stringify(list.body)).not.toContain(SECRETS['/finance']);
  });

  it('sends each decision to the finance endpoint exactly once, signed, with the documented payload', async () => {
    const a = await submit('批准的活动');
    const b = await submit('驳回的活动');
    const c = await submit('退回的活动');
    await act(a, 'approve', { comment: '同意' });
    await act(b, 'reject', { reason: '预算过高' });
    await act(c, 'return', { reason: '补充流程' });
    await until('three decisions', () => decisions().length >= 3);
    // Re-drives and relays again change nothing: every delivery is recorded.
    await t.app.webhookRelay.redrive();
    await t.app.webhookRelay.relay();
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.refusedSignatures).toEqual([]);
    const got = decisions();
    expect(got).toHaveLength(3);
    expect(new Set(got.map((g) => g.eventId)).size).toBe(3);
    for (const g of got) {
      expect(g.idempotencyKey).toBe(g.eventId);
      expect(g.body.id).toBe(g.eventId);
      expect(g.type).toBe('request.decided');
    }
    const byReq = Object.fromEntries(got.map((g) => [g.body.request.id, g.body]));
    expect(byReq[a.id]).toMatchObject({
      version: 1,
      type: 'request.decided',
      request: { number: a.number, type: 'event', title: '批准的活动', state: 'approved', applicant: 'liming', amounts: { budget: 20000 } },
      decision: { outcome: 'approved', decider: 'liuyang', comment: '同意', auto: false },
    });
    expect(Date.parse(byReq[a.id].occurred_at)).toBeGreaterThan(0);
    expect(byReq[b.id]).toMatchObject({ request: { state: 'rejected' }, decision: { outcome: 'rejected', decider: 'liuyang', comment: '预算过高' } });
    expect(byReq[c.id]).toMatchObject({ request: { state: 'returned' }, decision: { outcome: 'returned', comment: '补充流程' } });
    // The all-events endpoint got the submissions and step changes too, once each.
    await until('all events', () => rx.got.filter((g) => g.path === '/all' && g.type === 'request.decided').length >= 3);
    const all = rx.got.filter((g) => g.path === '/all');
    expect(all.filter((g) => g.type === 'request.submitted')).toHaveLength(3);
    expect(all.some((g) => g.type === 'step.changed' && g.body.change.action === 'approved_step')).toBe(true);
    expect(new Set(all.map((g) => g.eventId)).size).toBe(all.length);
    const delivered = await log('?endpoint=finance');
    expect(delivered).toHaveLength(3);
    expect(delivered.every((d) => d.status === 'delivered' && d.attempts === 1 && d.lastStatus === 204)).toBe(true);
  });

  it('retries with backoff through a 503 outage and a refused connection, still once per event', async () => {
    rx.setMode(503);
    const a = await submit('故障期间批准');
    await act(a, 'approve');
    await until('two failed attempts', async () => ((await log('?endpoint=finance&limit=1'))[0]?.attempts as number) >= 2);
    expect((await log('?endpoint=finance&limit=1'))[0]).toMatchObject({ status: 'queued', lastStatus: 503, lastError: 'HTTP 503' });
    rx.setMode('ok');
    await until('delivered after the outage', () => decisions().some((g) => g.body.request.id === a.id));

    await rx.down();
    const b = await submit('断连期间驳回');
    await act(b, 'reject', { reason: '不批' });
    await until('a refused connection', async () => String((await log('?endpoint=finance&limit=1'))[0]?.lastError ?? '').includes('ECONNREFUSED'));
    await rx.up();
    await until('delivered after the receiver came back', () => decisions().some((g) => g.body.request.id === b.id));
    await new Promise((r) => setTimeout(r, 500));
    for (const id of [a.id, b.id]) expect(decisions().filter((g) => g.body.request.id === id)).toHaveLength(1);
    const [last] = await log('?endpoint=finance&limit=1');
    expect(last).toMatchObject({ status: 'delivered', lastStatus: 204 });
    expect(last!.attempts as number).toBeGreaterThanOrEqual(2);
  });

  it('leaves a delivery dead after its last attempt; a redrive sends it with the same event id', async () => {
    rx.setMode(500);
    const a = await submit('最终失败再重投');
    await act(a, 'approve');
    await until('a dead delivery', async () => (await log('?endpoint=finance&status=dead')).length === 1);
    const [dead] = await log('?endpoint=finance&status=dead');
    expect(dead).toMatchObject({ attempts: 4, lastStatus: 500 });
    rx.setMode('ok');
    const r = await call('POST', '/api/admin/webhooks/deliveries/redrive', { ids: [dead!.id] });
    expect(r.body.redriven).toEqual([dead!.id]);
    await until('the redriven delivery', () => decisions().some((g) => g.body.request.id === a.id));
    const got = decisions().filter((g) => g.body.request.id === a.id);
    expect(got).toHaveLength(1);
    expect(got[0]!.eventId).toBe(dead!.eventId);
    expect((await log('?endpoint=finance&limit=1'))[0]).toMatchObject({ status: 'delivered', redrives: 1 });
  });
});

describe('outbound webhooks (private targets refused)', () => {
  let t: TestApp;
  const rx = receiver();
  const call = caller(() => t.url);
  beforeAll(async () => {
    await rx.up();
    // An endpoint from the organisation file, pointing at loopback: refused at each delivery.
    const org = `${readFileSync(EXAMPLE_ORG_FILE, 'utf8')}\nwebhooks:\n  - { id: internal-finance, url: "${rx.url('/finance')}", secret: ${SECRETS['/finance']}, events: [request.submitted] }\n`;
    t = await startTestApp({ ADMIN_TOKEN: TOKEN }, { dir: directoryFromText(org) });
  });
  afterAll(async () => {
    await t?.close();
    await rx.down().catch(() => {});
  });

  it('refuses loopback and private targets at registration', async () => {
    for (const url of ['http://127.0.0.1:9/hook', 'http://localhost/hook', 'http://10.1.2.3/hook', 'http://169.254.169.254/latest', 'http://[::1]/hook', 'http://[::ffff:127.0.0.1]/hook', 'http://100.64.0.1/hook']) {
      const r = await call('POST', '/api/admin/webhooks', { id: 'internal', url });
      expect(r.status, url).toBe(422);
      expect(r.body.code).toBe('target_refused');
    }
    expect((await call('GET', '/api/admin/webhooks')).body.endpoints.map((e: { id: string }) => e.id)).toEqual(['internal-finance']);
  });

  it('lists the organisation file’s endpoint, will not delete it, and refuses its loopback target at delivery', async () => {
    const [file] = (await call('GET', '/api/admin/webhooks')).body.endpoints;
    expect(file).toMatchObject({ id: 'internal-finance', source: 'file', events: ['request.submitted'], enabled: true });
    expect((await call('DELETE', '/api/admin/webhooks/internal-finance')).status).toBe(409);
    expect((await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, name: '内网回调' } })).status).toBe(201);
    await until('a dead delivery', async () => (await call('GET', '/api/admin/webhooks/deliveries?status=dead')).body.deliveries.length === 1);
    const [d] = (await call('GET', '/api/admin/webhooks/deliveries')).body.deliveries;
    expect(d).toMatchObject({ endpointId: 'internal-finance', eventType: 'request.submitted', status: 'dead', attempts: 1, lastStatus: null });
    expect(d.lastError).toContain('loopback');
    expect(rx.got).toEqual([]);
  });
});

describe('outbound webhooks across a restart that lost Redis', () => {
  const rx = receiver();
  let first: TestApp | undefined;
  let second: TestApp | undefined;
  beforeAll(() => rx.up());
  afterAll(async () => {
    await second?.close();
    await first?.close(); // drops the database both used
    await rx.down().catch(() => {});
  });

  it('a delivery still owed when the process stopped is sent once by the next one, from Postgres alone', async () => {
    const env = { ADMIN_TOKEN: TOKEN, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_ATTEMPTS: '20', WEBHOOK_BACKOFF_MS: '200' };
    first = await startTestApp(env);
    const call1 = caller(() => first!.url);
    expect((await call1('POST', '/api/admin/webhooks', { id: 'finance', url: rx.url('/finance'), secret: SECRETS['/finance'], events: ['request.decided'] })).status).toBe(201);
    rx.setMode(503);
    const { body } = await call1('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, name: '重启前批准' } });
    const req = body.request as { id: string; steps: Array<{ id: string }>; current: number };
    expect((await call1('POST', `/api/requests/${req.id}/actions`, { actorId: 'liuyang', action: 'approve', stepId: req.steps[req.current]!.id })).status).toBe(200);
    await until('a failed attempt', async () => ((await call1('GET', '/api/admin/webhooks/deliveries')).body.deliveries[0]?.attempts ?? 0) >= 1);
    await first.app.stop();
    rx.setMode('ok');
    // Same database, a fresh Redis prefix: the job that was retrying is gone with the old keys.
    second = await startTestApp({ ...env, DATABASE_URL: first.app.config.DATABASE_URL! });
    await until('the delivery after the restart', () => rx.got.length >= 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.got).toHaveLength(1);
    expect(rx.got[0]!.body).toMatchObject({ type: 'request.decided', request: { id: req.id }, decision: { outcome: 'approved' } });
    const [d] = (await caller(() => second!.url)('GET', '/api/admin/webhooks/deliveries')).body.deliveries;
    expect(d).toMatchObject({ status: 'delivered', lastStatus: 204 });
  });
});
