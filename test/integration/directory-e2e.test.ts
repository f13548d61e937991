// "Done means" for the synced directory: the whole app (web + worker, real Postgres and Redis)
// with only Feishu credentials pointed at the fake Feishu (contact v3 serving a generated
// company) and an organisation file with NO people — only a workflow and a role naming one thin
// entry by employee number. The app syncs at start, an event application routes to the right
// department lead, and contact events, encrypted and signed as Feishu sends them, move and remove
// people without a restart — on the replica that applied them and on a second (web) replica.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeopleDiff } from '../../src/core/directory/diff.js';
import { personIdFor } from '../../src/directory/sync.js';
import { openTasksOf } from '../../src/store/requests-repo.js';
import { departmentIdOf } from '../../src/org/overlay.js';
import { generateCompany, type CompanyPerson } from '../fakes/company.js';
import { feishuEncrypt, feishuSignHeaders, startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM } from '../support/sim-client.js';
import { waitFor } from '../support/wait.js';

const APP_ID = 'cli_00000000000d1e01';
const SECRET = 'dir-e2e-secret';
const TOKEN = 'dir-e2e-verification-token';
const KEY = 'dir-e2e-encrypt-key';
const ADMIN = 'dir-e2e-admin-token-0123456789';

const company = generateCompany({ departments: 8, people: 60, seed: 21 });
const staying = company.people.filter((p) => p.status === 'active');
const leaderKeys = new Set(company.departments.flatMap((d) => d.leaders));
const deptOf = (p: CompanyPerson) => company.departments[p.departments[0]!]!;
// An applicant who leads nothing, in a department with a lead, and one other such department to move to.
const applicant = staying.find((p) => !leaderKeys.has(p.key) && p.departments.length === 1 && deptOf(p).leaders.length > 0 && deptOf(p).key !== 0)!;
const target = company.departments.find((d) => d.key !== 0 && d.key !== deptOf(applicant).key && d.leaders.length > 0 && d.leaders[0] !== deptOf(applicant).leaders[0])!;
const financeHead = staying.find((p) => p !== applicant && !leaderKeys.has(p.key))!;
const leaver = staying.find((p) => p !== applicant && p !== financeHead && !leaderKeys.has(p.key))!;

const ORG = `
organisation: { name: 目录测试公司 }
directory: { sync: true, fullSyncEvery: 6h }
people:
  - { id: finance-head, employeeNo: ${financeHead.employeeNo} }
roles: { finance: [finance-head] }
workflows:
  - requestType: event
    name: 活动申请
    steps:
      - { id: dept-lead, name: 部门负责人审批, approvers: [dept_lead] }
      - { id: finance, name: 财务审批, approvers: ['role:finance'] }
`;

let fake: FakeFeishu;
let t: TestApp;
let web: TestApp | undefined;
const diffs: PeopleDiff[] = [];
const recordDiff = ({ left, moved }: PeopleDiff) => void diffs.push({ left, moved });
let env: Record<string, string>;

const openId = (p: CompanyPerson) => fake.contacts!.ids.openId(p.key);
const personOf = (p: CompanyPerson) => personIdFor({ platform: 'feishu', userId: openId(p) });
const ourDept = (key: number) => departmentIdOf('feishu', fake.contacts!.ids.department(key));

beforeAll(async () => {
  fake = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET, company });
  const dir = mkdtempSync(join(tmpdir(), 'qianpi-dir-e2e-'));
  writeFileSync(join(dir, 'org.yaml'), ORG);
  env = {
    ORG_FILE: join(dir, 'org.yaml'),
    ADMIN_TOKEN: ADMIN,
    FEISHU_APP_ID: APP_ID,
    FEISHU_APP_SECRET: SECRET,
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    FEISHU_ENCRYPT_KEY: KEY,
    FEISHU_BASE_URL: fake.url,
  };
  t = await startTestApp(env, { onPeopleChanged: recordDiff });
}, 60_000);

afterAll(async () => {
  await web?.app.stop();
  await t?.close();
  await fake?.close();
});

const call = async (base: string, method: string, path: string, body?: unknown) => {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes vary per route; assertions check them
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

/** A contact event as Feishu sends it with an Encrypt Key: encrypted, signed over the exact bytes. */
async function pushContactEvent(eventId: string, eventType: string, event: Record<string, unknown>) {
  const envelope = { schema: '2.0', header: { event_id: eventId, event_type: eventType, create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk' }, event };
  const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(envelope), KEY) });
  return fetch(`${t.url}/webhooks/feishu`, { method: 'POST', headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) }, body });
}

const submit = (name: string) => call(t.url, 'POST', '/api/requests', { applicantId: personOf(applicant), type: 'event', form: { ...EVENT_FORM, name } });

describe('synced directory, end to end', () => {
  it('syncs at start-up with no people in the file and reports the directory', async () => {
    const status = await call(t.url, 'GET', '/api/admin/directory');
    expect(status.status).toBe(200);
    expect(status.body.platforms).toEqual([expect.objectContaining({ platform: 'feishu', outcome: 'ok', users: company.people.filter((p) => p.status !== 'left').length, departments: company.departments.length, gaps: [] })]);
    expect(status.body.people).toBe(status.body.platforms[0].users);
    expect(status.body.issues).toEqual([]);
    expect(status.body.fileProblems).toEqual([]);
    // The thin entry took the synced person's place under the file's id.
    expect(t.app.dir.person('finance-head')).toMatchObject({ name: financeHead.name, dept: ourDept(financeHead.departments[0]!), ids: { feishu: openId(financeHead) } });
    const ready = await call(t.url, 'GET', '/readyz');
    expect(ready.body.checks.directory).toEqual({ ok: true, detail: 'ok' });
    // The scheduled full sync exists, its first run one interval after the start-up sync (not a second sync at once).
    const scheduler = await t.app.queues.directory.getJobScheduler('directory-full-sync');
    expect(Number(scheduler?.every)).toBe(6 * 3600_000);
    expect(Number(scheduler?.next)).toBeGreaterThan(Date.now() + 5 * 3600_000);
    expect(await t.app.queues.directory.getJobs(['waiting', 'active', 'completed'])).toEqual([]);
  });

  it('routes an event application to the department lead from the fake directory', async () => {
    const r = await submit('目录活动一');
    expect(r.status).toBe(201);
    const steps = r.body.request.steps as Array<{ id: string; approvers: string[] }>;
    expect(steps.find((s) => s.id === 'dept-lead')?.approvers).toEqual([personOf(company.people[deptOf(applicant).leaders[0]!]!)]);
    expect(steps.find((s) => s.id === 'finance')?.approvers).toEqual(['finance-head']);
  });

  it('moves a person on contact.user.updated_v3 without a restart, on every replica, and says who moved', async () => {
    web = await startTestApp({ ...env, DATABASE_URL: t.app.config.DATABASE_URL!, REDIS_PREFIX: t.prefix, PROCESS_ROLE: 'web' }, { directoryReloadMs: 3_600_000 });
    expect(web.app.dir.person(personOf(applicant))?.dept).toBe(ourDept(deptOf(applicant).key));

    const from = ourDept(deptOf(applicant).key);
    applicant.departments = [target.key];
    const event = { object: { open_id: openId(applicant), name: applicant.name, department_ids: [fake.contacts!.ids.department(target.key)] }, old_object: { department_ids: [fake.contacts!.ids.department(0)] } };
    // Feishu retries until acked: the same event twice is one job.
    for (let i = 0; i < 2; i++) expect((await pushContactEvent('dir-move-1', 'contact.user.updated_v3', event)).status).toBe(200);

    await waitFor('the move on the applying replica', async () => t.app.dir.person(personOf(applicant))?.dept === ourDept(target.key));
    await waitFor('the move on the web replica', async () => web!.app.dir.person(personOf(applicant))?.dept === ourDept(target.key));
    await waitFor('the hand-over told', async () => diffs.length > 0);
    expect(diffs).toEqual([{ left: [], moved: [{ personId: personOf(applicant), fromDept: from, toDept: ourDept(target.key) }] }]);
    expect((await t.app.queues.directory.getJobs(['completed', 'active', 'waiting'])).filter((j) => j.name === 'change')).toHaveLength(1);

    const r = await submit('目录活动二');
    expect(r.status).toBe(201);
    expect((r.body.request.steps as Array<{ id: string; approvers: string[] }>).find((s) => s.id === 'dept-lead')?.approvers).toEqual([personOf(company.people[target.leaders[0]!]!)]);
  });

  it('removes a leaver on contact.user.deleted_v3, hands their open task over and reports them once', async () => {
    const before = diffs.length;
    expect(t.app.dir.person(personOf(leaver))).toBeDefined();
    // An open task of the leaver's: the lead's tasks handed to them by an admin.
    const lead = personOf(company.people[target.leaders[0]!]!);
    const open = await submit('目录活动三');
    expect((await call(t.url, 'POST', '/api/admin/handover', { from: lead, to: personOf(leaver) })).body.tasks).toBeGreaterThanOrEqual(1);
    expect((await openTasksOf(t.app.database.db, personOf(leaver))).map((x) => x.requestId)).toContain(open.body.request.id);
    leaver.status = 'left';
    const res = await pushContactEvent('dir-leave-1', 'contact.user.deleted_v3', { object: { open_id: openId(leaver), name: leaver.name }, old_object: { department_ids: [fake.contacts!.ids.department(leaver.departments[0]!)], open_id: openId(leaver) } });
    expect(res.status).toBe(200);
    await waitFor('the leaver gone', async () => t.app.dir.person(personOf(leaver)) === undefined);
    await waitFor('the leaver gone on the web replica', async () => web!.app.dir.person(personOf(leaver)) === undefined);
    await waitFor('the hand-over told', async () => diffs.length > before);
    expect(diffs.slice(before)).toEqual([{ left: [personOf(leaver)], moved: [] }]);
    // The hand-over ran on the applying replica: the task went on (to the lead up the leaver's tree), audited as "left".
    await waitFor('the task handed over', async () => (await openTasksOf(t.app.database.db, personOf(leaver))).length === 0);
    const after = (await call(t.url, 'GET', `/api/requests/${open.body.request.id as string}`)).body;
    const step = (after.request.steps as Array<{ id: string; approvers: string[] }>).find((s) => s.id === 'dept-lead')!;
    expect(step.approvers).toHaveLength(1);
    expect(step.approvers).not.toContain(personOf(leaver));
    // A leaver cannot apply any more.
    const r = await call(t.url, 'POST', '/api/requests', { applicantId: personOf(leaver), type: 'event', form: EVENT_FORM });
    expect(r.status).toBe(404);
  });

  it('queues a full sync on demand', async () => {
    const r = await call(t.url, 'POST', '/api/admin/directory/sync');
    expect(r.status).toBe(202);
    const job = await t.app.queues.directory.getJob(r.body.jobId as string);
    expect(job?.data).toEqual({ type: 'full', reason: 'admin' });
    await waitFor('the admin sync done', async () => (await job!.getState()) === 'completed');
  });
});
