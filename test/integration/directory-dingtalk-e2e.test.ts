// The synced directory with only DingTalk configured: the app syncs the fake oapi contact APIs
// at start (no people in the organisation file), routes an event application to the synced
// lead, subscribes to Stream EVENT frames, and a contact event pushed by the fake gateway
// (user_modify_org, user_leave_org) is acked SUCCESS once queued and applied without a restart.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeopleDiff } from '../../src/core/directory/diff.js';
import { personIdFor } from '../../src/directory/sync.js';
import { departmentIdOf } from '../../src/org/overlay.js';
import { generateCompany, type CompanyPerson } from '../fakes/company.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk, type FakeDingtalkServer } from '../fakes/dingtalk-server.js';
import { startFakeStreamGateway, type FakeStreamGateway } from '../fakes/dingtalk-stream-gateway.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM } from '../support/sim-client.js';
import { waitFor } from '../support/wait.js';

const ADMIN = 'dt-dir-admin-token-0123456789';
const company = generateCompany({ departments: 7, people: 50, seed: 33 });
const leaderKeys = new Set(company.departments.flatMap((d) => d.leaders));
const deptOf = (p: CompanyPerson) => company.departments[p.departments[0]!]!;
const applicant = company.people.find((p) => p.status === 'active' && !leaderKeys.has(p.key) && p.departments.length === 1 && deptOf(p).key !== 0 && deptOf(p).leaders.length > 0)!;
const target = company.departments.find((d) => d.key !== 0 && d.key !== deptOf(applicant).key && d.leaders.length > 0 && d.leaders[0] !== deptOf(applicant).leaders[0])!;
const leaver = company.people.find((p) => p.status === 'active' && p !== applicant && !leaderKeys.has(p.key))!;

const ORG = `
organisation: { name: 钉钉目录公司 }
directory: { sync: true }
workflows:
  - requestType: event
    steps:
      - { id: dept-lead, name: 部门负责人审批, approvers: [dept_lead] }
`;

let api: FakeDingtalkServer;
let gateway: FakeStreamGateway;
let t: TestApp;
const diffs: PeopleDiff[] = [];
const recordDiff = ({ left, moved }: PeopleDiff) => void diffs.push({ left, moved });

const userId = (p: CompanyPerson) => api.contacts!.ids.userId(p.key);
const personOf = (p: CompanyPerson) => personIdFor({ platform: 'dingtalk', userId: userId(p) });
const ourDept = (key: number) => departmentIdOf('dingtalk', String(api.contacts!.ids.department(key)));

beforeAll(async () => {
  api = await startFakeDingtalk({ company });
  gateway = await startFakeStreamGateway({ acceptTicket: (ticket) => api.tickets.has(ticket) });
  api.gatewayEndpoint = gateway.endpoint;
  const dir = mkdtempSync(join(tmpdir(), 'qianpi-dt-dir-'));
  writeFileSync(join(dir, 'org.yaml'), ORG);
  t = await startTestApp(
    {
      ORG_FILE: join(dir, 'org.yaml'),
      ADMIN_TOKEN: ADMIN,
      DINGTALK_CLIENT_ID: FAKE_CLIENT_ID,
      DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET,
      DINGTALK_BASE_URL: api.url,
      DINGTALK_OAPI_BASE_URL: api.url,
      DINGTALK_MODE: 'stream',
    },
    { onPeopleChanged: recordDiff },
  );
  await gateway.waitForConnections(1, 10_000);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await gateway?.close();
  await api?.close();
});

const submit = async (name: string) => {
  const r = await fetch(`${t.url}/api/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ applicantId: personOf(applicant), type: 'event', form: { ...EVENT_FORM, name } }),
  });
  const body = (await r.json()) as { request: { steps: Array<{ id: string; approvers: string[] }> } };
  expect(r.status).toBe(201);
  return body.request.steps.find((s) => s.id === 'dept-lead')?.approvers;
};

describe('synced directory over DingTalk', () => {
  it('syncs at start-up and routes to the synced department lead', async () => {
    expect(t.app.dir.people.size).toBe(company.people.filter((p) => p.status !== 'left').length);
    expect(t.app.dir.person(personOf(applicant))).toMatchObject({ name: applicant.name, dept: ourDept(deptOf(applicant).key) });
    expect(await submit('钉钉活动一')).toEqual([personOf(company.people[deptOf(applicant).leaders[0]!]!)]);
    // The Stream connection asked for EVENT frames besides its callbacks.
    const lookup = api.requests.find((r) => r.path === '/v1.0/gateway/connections/open');
    expect((lookup?.body as { subscriptions: unknown[] }).subscriptions).toContainEqual({ type: 'EVENT', topic: '*' });
  });

  it('applies user_modify_org and user_leave_org pushed over Stream, acked once queued', async () => {
    applicant.departments = [target.key];
    const move = gateway.sendEvent('user_modify_org', { timeStamp: String(Date.now()), userId: [userId(applicant)], optStaffId: 'admin' }, { eventId: 'dt-move-1' });
    const ack = await gateway.waitForAck(move);
    expect(ack.code).toBe(200);
    expect(JSON.parse(ack.data!)).toEqual({ status: 'SUCCESS' });
    await waitFor('the move', async () => t.app.dir.person(personOf(applicant))?.dept === ourDept(target.key));
    expect(await submit('钉钉活动二')).toEqual([personOf(company.people[target.leaders[0]!]!)]);

    leaver.status = 'left';
    const leave = gateway.sendEvent('user_leave_org', { timeStamp: String(Date.now()), userId: [userId(leaver)] }, { eventId: 'dt-leave-1' });
    expect(JSON.parse((await gateway.waitForAck(leave)).data!)).toEqual({ status: 'SUCCESS' });
    await waitFor('the leaver gone', async () => t.app.dir.person(personOf(leaver)) === undefined);
    // The hand-over hook runs after the organisation is swapped in.
    await waitFor('the hand-over told', async () => diffs.some((d) => d.left.includes(personOf(leaver))));
    expect(diffs.filter((d) => d.left.length)).toEqual([{ left: [personOf(leaver)], moved: [] }]);
  });
});
