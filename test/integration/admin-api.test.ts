// The integration API: bearer token, the same validation as card forms, refusals mapped to
// precise status codes; plus /metrics and the queue dashboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM } from '../support/sim-client.js';

const TOKEN = 'test-admin-token-0123456789';
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ADMIN_TOKEN: TOKEN });
});
afterAll(() => t?.close());

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(`${t.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes vary per route; assertions check them
  return { status: r.status, body: (text.startsWith("{") ? JSON.parse(text) : text) as Record<string, any> };
};

let first: Awaited<ReturnType<typeof call>>;

describe('admin API', () => {
  it('refuses a missing or wrong token', async () => {
    expect((await call('POST', '/api/requests', {}, { authorization: '' })).status).toBe(401);
    expect((await call('POST', '/api/requests', {}, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await call('GET', '/admin/queues', undefined, { authorization: '' })).status).toBe(401);
  });

  it('submits from typed values, idempotently, and reports field errors by name', async () => {
    const bad = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, headcount: '很多', budget: '' } });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.fields).sort()).toEqual(['budget', 'headcount']);
    const both = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: EVENT_FORM, payload: {} });
    expect(both.status).toBe(400);
    first = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, budget: '场地 2千, 餐饮 一万二' } }, { 'idempotency-key': 'k-1' });
    expect(first.status).toBe(201);
    expect(first.body.request.payload.budget).toEqual([{ item: '场地', amount: 2000 }, { item: '餐饮', amount: 12000 }]);
    const again = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: EVENT_FORM }, { 'idempotency-key': 'k-1' });
    expect(again.status).toBe(200);
    expect(again.body.request.id).toBe(first.body.request.id);
    expect((await call('POST', '/api/requests', { applicantId: 'ghost', type: 'event', form: EVENT_FORM })).status).toBe(404);
  });

  it('refuses planned times in the past, typed or canonical, as the card form and the dialog do', async () => {
    const typed = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, start: '昨天下午3点', end: '昨天下午5点' } });
    expect(typed.status).toBe(422);
    expect(typed.body.fields.start).toContain('已经过去了');
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    const payload = { ...(first.body.request.payload as object), start: threeDaysAgo.toISOString(), end: new Date(threeDaysAgo.getTime() + 3 * 3_600_000).toISOString() };
    const canonical = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', payload });
    expect(canonical.status).toBe(422);
    expect(Object.keys(canonical.body.fields).sort()).toEqual(['end', 'start']);
    const backwards = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', payload: { ...payload, start: '2099-01-02T10:00:00.000Z', end: '2099-01-02T09:00:00.000Z' } });
    expect(backwards.status).toBe(422);
    expect(Object.keys(backwards.body.fields)).toEqual(['end']);
  });

  it('acts with precise refusals, and the timeline says it came from the API', async () => {
    const { body } = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, name: 'API 活动' } });
    const id = body.request.id as string;
    const step = body.request.steps[body.request.current].id as string;
    expect((await call('POST', `/api/requests/${id}/actions`, { actorId: 'hanmei', action: 'approve', stepId: step })).status).toBe(403);
    expect((await call('POST', `/api/requests/${id}/actions`, { actorId: 'liuyang', action: 'reject', stepId: step })).status).toBe(422);
    expect((await call('POST', `/api/requests/00000000-0000-4000-a000-000000000000/actions`, { actorId: 'liuyang', action: 'approve', stepId: step })).status).toBe(404);
    const ok = await call('POST', `/api/requests/${id}/actions`, { actorId: 'liuyang', action: 'approve', stepId: step, comment: '同意' });
    expect(ok.status).toBe(200);
    expect(ok.body.feedback).toBe('已同意');
    expect((await call('POST', `/api/requests/${id}/actions`, { actorId: 'liuyang', action: 'approve', stepId: step })).status).toBe(409);
    const detail = await call('GET', `/api/requests/${id}`);
    expect(detail.body.timeline.find((e: { action: string }) => e.action === 'approved_step')).toMatchObject({ actorId: 'liuyang', platform: 'api' });
  });

  it('acts on a request named by its number, as GET reads it', async () => {
    const { body } = await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, name: '按编号审批' } });
    const number = body.request.number as string;
    expect(number).toMatch(/^A-\d+$/);
    const ok = await call('POST', `/api/requests/${number}/actions`, { actorId: 'liuyang', action: 'approve' });
    expect(ok.status).toBe(200);
    expect(ok.body.request.id).toBe(body.request.id);
    expect((await call('GET', `/api/requests/${number}`)).body.timeline.some((e: { action: string; actorId: string }) => e.action === 'approved_step' && e.actorId === 'liuyang')).toBe(true);
    expect((await call('POST', '/api/requests/A-999999/actions', { actorId: 'liuyang', action: 'approve' })).status).toBe(404);
    expect((await call('POST', '/api/requests/not-a-request/actions', { actorId: 'liuyang', action: 'approve' })).status).toBe(400);
  });

  it('gives managers a department overview', async () => {
    await call('POST', '/api/requests', { applicantId: 'liming', type: 'event', form: { ...EVENT_FORM, name: '待审活动' } });
    const o = await call('GET', '/api/departments/east-branch/overview');
    expect(o.status).toBe(200);
    expect(o.body.departments.sort()).toEqual(['east-branch', 'east-marketing']);
    expect(o.body.counts.pending).toBeGreaterThanOrEqual(1);
    expect(o.body.open[0]).toMatchObject({ stepName: '部门负责人审批', approvers: ['liuyang'], overdue: false });
    expect((await call('GET', '/api/departments/nowhere/overview')).status).toBe(404);
    // A read route: open in simulator mode like the others (no token needed).
    const open = await fetch(`${t.url}/api/departments/east-branch/overview`);
    expect(open.status).toBe(200);
  });

  it('exposes Prometheus metrics and the queue dashboard', async () => {
    await t.idle();
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    const m = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const text = await m.text();
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    expect(text).toMatch(/qianpi_deliveries_total\{type="card.send",result="ok"\} \d+/);
    expect(text).toMatch(/qianpi_queue_jobs\{queue="inbound",state="waiting"\} 0/);
    const dash = await call('GET', '/admin/queues');
    expect(dash.status).toBe(200);
    expect(String(dash.body)).toContain('<html');
  });
});
