// Issue #13, the HTTP layer: idempotent retries, stepId optional, ids and strings checked before
// they reach Postgres, /metrics protected, no tokens in the logs, /readyz checked on every call.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/channels/channel.js';
import { REDACT } from '../../src/logger.js';
import { createHttpServer } from '../../src/http/server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM } from '../support/sim-client.js';

const TOKEN = 'test-admin-token-0123456789';
const SECRET = 'leaked-secret-in-a-query-string';
const lines: string[] = [];
let t: TestApp;
beforeAll(async () => {
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
  const log = pino({ level: 'info', redact: { paths: REDACT, censor: '[redacted]' } }, sink);
  t = await startTestApp({ ADMIN_TOKEN: TOKEN }, { log });
});
afterAll(() => t?.close());

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(`${t.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes vary per route; assertions check them
  return { status: r.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as Record<string, any> };
};

async function submitEvent(name: string): Promise<{ id: string; step: string }> {
  const { status, body } = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, name } });
  expect(status).toBe(201);
  return { id: body.request.id as string, step: body.request.steps[body.request.current].id as string };
}

describe('integration API actions', () => {
  it('answers a retried action with the same Idempotency-Key like the first time (item 6)', async () => {
    const { id, step } = await submitEvent('幂等重试');
    const action = { actorId: 'liuyang', action: 'approve', stepId: step, comment: '同意' };
    const first = await call('POST', `/api/requests/${id}/actions`, action, { 'idempotency-key': 'retry-1' });
    expect(first.status).toBe(200);
    expect(first.body.duplicate).toBe(false);
    const again = await call('POST', `/api/requests/${id}/actions`, action, { 'idempotency-key': 'retry-1' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, request: { id, version: first.body.request.version } });
    // Without the key it is a second decision, refused as before.
    expect((await call('POST', `/api/requests/${id}/actions`, action)).status).toBe(409);
  });

  it('acts on the open step when stepId is left out (item 17)', async () => {
    const { id, step } = await submitEvent('无步骤审批');
    expect((await call('POST', `/api/requests/${id}/actions`, { actorId: 'hanmei', action: 'approve' })).status).toBe(403);
    const ok = await call('POST', `/api/requests/${id}/actions`, { actorId: 'liuyang', action: 'approve' });
    expect(ok.status).toBe(200);
    expect(ok.body.feedback).toBe('已同意');
    const detail = await call('GET', `/api/requests/${id}`);
    expect(detail.body.timeline.find((e: { action: string }) => e.action === 'approved_step')).toMatchObject({ actorId: 'liuyang', stepId: step });
  });
});

describe('input checked before it reaches Postgres (item 8)', () => {
  const NOT_UUID = 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz';
  it('refuses ids that are not UUIDs with 400', async () => {
    expect(NOT_UUID).toHaveLength(36);
    expect((await call('POST', `/api/requests/${NOT_UUID}/actions`, { actorId: 'liuyang', action: 'approve' })).status).toBe(400);
    expect((await call('GET', `/api/requests/${NOT_UUID}`)).status).toBe(400);
    expect((await call('GET', `/api/requests/${'-'.repeat(36)}`)).status).toBe(400);
    expect((await call('GET', '/api/requests/E-999999')).status).toBe(404);
  });

  it('refuses NUL in path parameters', async () => {
    for (const path of ['/api/people/li%00ming/pending', '/api/people/%00/requests', '/api/departments/east%00/overview', '/api/requests/E-1%00']) {
      const r = await call('GET', path);
      expect(r.status, path).toBe(400);
    }
  });

  it('refuses NUL, control characters and lone surrogates in body strings, naming the field', async () => {
    const nul = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, name: 'a\u0000b' } });
    expect(nul.status).toBe(400);
    expect(nul.body.error).toContain('form/name');
    // A lone surrogate can only be sent as a JSON escape.
    const lone = JSON.stringify({ applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, content: 'X' } }).replace('"content":"X"', '"content":"\\ud800"');
    const sur = await call('POST', '/api/requests', lone);
    expect(sur.status).toBe(400);
    expect(sur.body.error).toContain('form/content');
    const payload = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', payload: { name: 'x', items: [{ note: 'bell\u0007' }] } });
    expect(payload.status).toBe(400);
    expect(payload.body.error).toContain('payload');
    const { id } = await submitEvent('控制字符');
    const act = await call('POST', `/api/requests/${id}/actions`, { actorId: 'liuyang', action: 'reject', reason: 'no\u0000' });
    expect(act.status).toBe(400);
    expect(act.body.error).toContain('reason');
    const key = await call('POST', `/api/requests/${id}/actions`, { actorId: 'liuyang', action: 'comment', comment: 'ok' }, { 'idempotency-key': 'x'.repeat(500) });
    expect(key.status).toBe(400);
  });

  it('answers a click whose request id is 36 characters but no UUID as an unknown request', async () => {
    for (const r of ['-'.repeat(36), 'f'.repeat(36)]) {
      const click = await call('POST', '/api/sim/actions', { as: 'liuyang', action: { a: 'approve', r, s: 'lead' } });
      expect(click.status, r).toBe(200);
      expect(click.body).toMatchObject({ status: 'refused', feedback: { text: '找不到该申请' } });
    }
  });

  it('refuses a body nested too deep without a stack overflow', async () => {
    const deep = `{"applicantId":"liming","type":"event","payload":{"x":${'['.repeat(5000)}${']'.repeat(5000)}}}`;
    expect((await call('POST', '/api/requests', deep)).status).toBe(400);
  });
});

describe('metrics and logs (item 12)', () => {
  it('protects /metrics with the admin token', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    const m = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(m.status).toBe(200);
    expect(await m.text()).toContain('qianpi_inbound_events_total');
  });

  it('never logs a query string unredacted', async () => {
    lines.length = 0;
    expect((await call('POST', `/api/requests?token=${SECRET}`, {}, { authorization: '' })).status).toBe(401);
    expect((await call('GET', `/metrics?access_token=${SECRET}`, undefined, { authorization: '' })).status).toBe(401);
    expect((await call('GET', `/api/requests/not-an-id?token=${SECRET}`)).status).toBe(400);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('serialises any logged request without its query values', async () => {
    const own: string[] = [];
    const http = createHttpServer(pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (own.push(String(chunk)), done()) })));
    http.get('/x', async (req) => {
      req.log.info({ req }, 'logged with the request');
      return {};
    });
    expect((await http.inject({ method: 'GET', url: `/x?token=${SECRET}&b=1` })).statusCode).toBe(200);
    await http.close();
    expect(own.join('')).toContain('"url":"/x?token=[redacted]&b=[redacted]"');
    expect(own.join('')).not.toContain(SECRET);
  });
});

describe('/readyz (item 13)', () => {
  it('checks every channel on every call and shows details only with the token', async () => {
    const local = t.app.channels.get('local') as Channel;
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
    const healthy = local.health;
    local.health = () => ({ ok: false, detail: 'internal: connection refused 10.0.0.7:5432' });
    try {
      const bare = await fetch(`${t.url}/readyz`);
      expect(bare.status).toBe(503);
      const text = await bare.text();
      expect(text).toContain('channel:local');
      expect(text).not.toContain('10.0.0.7');
      const full = await call('GET', '/readyz');
      expect(full.status).toBe(503);
      expect(full.body.checks['channel:local']).toEqual({ ok: false, detail: 'internal: connection refused 10.0.0.7:5432' });
    } finally {
      local.health = healthy;
    }
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });
});
