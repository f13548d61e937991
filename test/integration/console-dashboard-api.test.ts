// The console's dashboard, directory and health routes on the real app, with a known set of
// requests (test/support/console-seed.ts): 401 without a session, 403 for a person who manages
// nothing, and the exact numbers each viewer's scope gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { privateReviewsOrg, seedClock, seedConsole, type Seeded } from '../support/console-seed.js';

const TOKEN = 'console-dash-token-0123456789';

let t: TestApp;
let seeded: Seeded;
beforeAll(async () => {
  const clock = seedClock();
  t = await startTestApp({ ADMIN_TOKEN: TOKEN, SIMULATOR: 'on' }, { dir: privateReviewsOrg(), now: clock.now });
  seeded = await seedConsole(t, clock);
}, 90_000);
afterAll(() => t?.close());

/** Signed in as a person (simulator pick) or as the local admin; keeps the cookie. */
async function as(who: string | { admin: string }) {
  let cookie = '';
  let csrf = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(method !== 'GET' ? { 'x-csrf-token': csrf } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const set = r.headers.getSetCookie().find((c) => c.startsWith('qianpi_session='));
    if (set) cookie = set.split(';')[0]!;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each route's shape is asserted below
    const json = (await r.json()) as Record<string, any>;
    if (typeof json.csrf === 'string') csrf = json.csrf;
    return { status: r.status, body: json };
  };
  await call('GET', '/api/console/session');
  const r = typeof who === 'string' ? await call('POST', '/api/console/sign-in/simulator', { personId: who }) : await call('POST', '/api/console/sign-in/admin', { token: who.admin });
  expect(r.status).toBe(200);
  return call;
}

const ROUTES = ['/api/console/charts', '/api/console/org', '/api/console/health'];

describe('console dashboard API', () => {
  it('refuses every route without a session (401)', async () => {
    for (const path of ROUTES) expect((await fetch(`${t.url}${path}`)).status, path).toBe(401);
  });

  it('gives finance the whole organisation, with exact numbers', async () => {
    const call = await as('wangfang');
    const r = await call('GET', '/api/console/charts');
    expect(r.status).toBe(200);
    const c = r.body;
    // Weeks from Monday in Shanghai: the event (2 Nov); summary, scoring and reimbursement (Sat 21 Nov); three content reviews.
    expect(c.volume).toEqual([
      { period: '2026-11-02', type: 'event', typeName: '活动申请', n: 1 },
      { period: '2026-11-16', type: 'reimbursement', typeName: '费用报销', n: 1 },
      { period: '2026-11-16', type: 'scoring', typeName: '活动考核评分', n: 1 },
      { period: '2026-11-16', type: 'summary', typeName: '活动总结', n: 1 },
      { period: '2026-11-23', type: 'content_review', typeName: '内容审核', n: 3 },
    ]);
    const lead = Object.fromEntries((c.leadTimes as Array<{ type: string; stepId: string }>).map((l) => [`${l.type}/${l.stepId}`, l]));
    // Decided after 2 h and 6 h: linear percentiles.
    expect(lead['content_review/supervisor']).toMatchObject({ n: 2, p50: 4, p90: 5.6, max: 6, stepName: '部门主管审核' });
    expect(lead['content_review/leader']).toMatchObject({ n: 1, p50: 22, p90: 22 });
    expect(lead['event/dept-lead']).toMatchObject({ n: 1, p50: 4 });
    // The fast-tracked step was skipped, not decided.
    expect(lead['event/hq-marketing']).toBeUndefined();
    expect(c.overdue).toEqual([
      { dept: 'east-marketing', deptName: '华东分公司市场部', n: 1 },
      { dept: 'hq-marketing', deptName: '总部市场部', n: 1 },
    ]);
    expect(c.eventsByCategory).toEqual([{ category: 'regular', status: 'closed', n: 1 }]);
    expect(c.spend).toEqual([{ dept: 'east-marketing', deptName: '华东分公司市场部', events: 1, budget: 20000, spent: 18500 }]);
    expect(c.scores).toEqual([{ dept: 'east-marketing', deptName: '华东分公司市场部', n: 1, average: 86 }]);
    expect(c.summary).toMatchObject({ requests: 7, overdue: 2, budget: 20000, spent: 18500, averageScore: 86 });

    const month = await call('GET', '/api/console/charts?period=month&type=content_review');
    expect(month.body.volume).toEqual([{ period: '2026-11-01', type: 'content_review', typeName: '内容审核', n: 3 }]);
    const lastWeekHq = await call('GET', '/api/console/charts?dept=hq-marketing&from=2026-11-23&to=2026-11-29');
    expect(lastWeekHq.body.summary).toMatchObject({ requests: 1, overdue: 1 });
  });

  it("limits a branch lead to the branch: no HQ request counted", async () => {
    const call = await as('zhouqiang');
    const c = (await call('GET', '/api/console/charts')).body;
    expect(c.overdue).toEqual([{ dept: 'east-marketing', deptName: '华东分公司市场部', n: 1 }]);
    expect(c.volume.find((v: { type: string }) => v.type === 'content_review')).toMatchObject({ n: 2 });
    expect(c.leadTimes.find((l: { stepId: string; type: string }) => l.type === 'content_review' && l.stepId === 'supervisor')).toMatchObject({ n: 1, p50: 2 });
    // A department outside the scope filters to nothing rather than widening it.
    const hq = (await call('GET', '/api/console/charts?dept=hq-marketing')).body;
    expect(hq.summary).toMatchObject({ requests: 0, overdue: 0 });
  });

  it('answers 404 for an unknown department and 400 for a bad period or date', async () => {
    const call = await as('wangfang');
    expect((await call('GET', '/api/console/charts?dept=nowhere')).status).toBe(404);
    expect((await call('GET', '/api/console/charts?period=year')).status).toBe(400);
    expect((await call('GET', '/api/console/charts?from=yesterday')).status).toBe(400);
  });

  it('shows the directory to admins and managers only, scoped to what they manage', async () => {
    const staff = await as('liming');
    expect((await staff('GET', '/api/console/org')).status).toBe(403);
    expect((await staff('GET', '/api/console/health')).status).toBe(403);

    const lead = await as('zhouqiang');
    const theirs = (await lead('GET', '/api/console/org')).body;
    expect(theirs.departments.map((d: { id: string }) => d.id)).toEqual(['east-branch', 'east-marketing']);
    expect(theirs.people.map((p: { id: string }) => p.id).sort()).toEqual(['hanmei', 'liming', 'liuyang', 'zhouqiang']);

    const admin = await as({ admin: TOKEN });
    const all = (await admin('GET', '/api/console/org')).body;
    expect(all.departments).toHaveLength(5);
    expect(all.people.find((p: { id: string }) => p.id === 'chenjie')).toEqual({
      id: 'chenjie', name: '陈杰', title: '分管副总裁', dept: 'hq', deptName: '集团总部', roles: ['score_confirmers', 'company_leader'],
      links: { feishu: 'ou_chenjie', dingtalk: 'dt_chenjie', wecom: 'ChenJie' },
    });
    expect(all.people.find((p: { id: string }) => p.id === 'sunli').links).toEqual({ feishu: 'ou_sunli', wecom: 'SunLi' });
  });

  it('reports health: org doctor, calendar years, channels; no directory without sync', async () => {
    const admin = await as({ admin: TOKEN });
    const h = (await admin('GET', '/api/console/health')).body;
    expect(h.directory).toBeNull();
    expect(h.doctor.total).toBe(h.doctor.emptySteps.length + h.doctor.emptyRoles.length + h.doctor.unknownPeople.length + h.doctor.deptsWithoutLead.length);
    expect(h.calendar.years.map((y: { year: number }) => y.year)).toEqual([2025, 2026, 2027]);
    expect(h.calendar.years[1].source).toBe('package');
    expect(h.calendar.provisional).toEqual(h.calendar.years.filter((y: { year: number; source: string }) => y.year >= 2026 && y.source === 'provisional').map((y: { year: number }) => y.year));
    expect(h.channels).toEqual([{ platform: 'local', ok: true }]);
    // The same org doctor as the admin API's.
    const viaApi = await fetch(`${t.url}/api/admin/org/doctor`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(h.doctor).toEqual(await viaApi.json());
    expect(seeded.eastDone).toMatch(/^C-/);
  });
});
