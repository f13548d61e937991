// Two platforms, one company: Feishu and DingTalk configured against their fakes serving the same
// generated company. The start-up sync links every account across the two by employee number
// (one person, both ids, Feishu's tree since it is the configured `tree`), with no issue to
// report; someone leaving DingTalk only (user_leave_org over Stream) keeps their Feishu identity
// and shows up, by name, as unlinked in the admin API and as a health note.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personIdFor } from '../../src/directory/sync.js';
import { departmentIdOf } from '../../src/org/overlay.js';
import { generateCompany } from '../fakes/company.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk, type FakeDingtalkServer } from '../fakes/dingtalk-server.js';
import { startFakeStreamGateway, type FakeStreamGateway } from '../fakes/dingtalk-stream-gateway.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

const ADMIN = 'linked-admin-token-0123456789';
const company = generateCompany({ departments: 6, people: 40, seed: 44 });
const listed = company.people.filter((p) => p.status !== 'left');
const someone = listed.find((p) => p.status === 'active' && !company.departments.some((d) => d.leaders.includes(p.key)))!;
// The admin (a thin entry by employee number) reads the directory's health in the daily digest.
const admin = listed.find((p) => p.status === 'active' && p !== someone)!;

let feishu: FakeFeishu;
let dingtalk: FakeDingtalkServer;
let gateway: FakeStreamGateway;
let t: TestApp;

beforeAll(async () => {
  feishu = await startFakeFeishu({ appId: 'cli_00000000000aa1e2', appSecret: 'linked-secret', company });
  dingtalk = await startFakeDingtalk({ company });
  gateway = await startFakeStreamGateway({ acceptTicket: (ticket) => dingtalk.tickets.has(ticket) });
  dingtalk.gatewayEndpoint = gateway.endpoint;
  const dir = mkdtempSync(join(tmpdir(), 'qianpi-linked-'));
  writeFileSync(join(dir, 'org.yaml'), `organisation: { name: 两平台公司 }\ndirectory: { sync: true, tree: feishu, linkBy: [employeeNo] }\npeople: [{ id: it-admin, employeeNo: '${admin.employeeNo}' }]\nroles: { admin: [it-admin] }\n`);
  t = await startTestApp({
    ORG_FILE: join(dir, 'org.yaml'),
    ADMIN_TOKEN: ADMIN,
    FEISHU_APP_ID: 'cli_00000000000aa1e2',
    FEISHU_APP_SECRET: 'linked-secret',
    FEISHU_VERIFICATION_TOKEN: 'linked-vt',
    FEISHU_BASE_URL: feishu.url,
    DINGTALK_CLIENT_ID: FAKE_CLIENT_ID,
    DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    DINGTALK_BASE_URL: dingtalk.url,
    DINGTALK_OAPI_BASE_URL: dingtalk.url,
  });
  await gateway.waitForConnections(1, 10_000);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await gateway?.close();
  await dingtalk?.close();
  await feishu?.close();
});

const status = async () => {
  const r = await fetch(`${t.url}/api/admin/directory`, { headers: { authorization: `Bearer ${ADMIN}` } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the route's schema is checked by the app; the test reads fields
  return (await r.json()) as Record<string, any>;
};

describe('one company on two platforms', () => {
  it('links every account across Feishu and DingTalk at start-up, on the Feishu tree', async () => {
    expect(t.app.dir.people.size).toBe(listed.length);
    const p = t.app.dir.personByPlatformId('dingtalk', dingtalk.contacts!.ids.userId(someone.key));
    expect(p).toBeDefined();
    expect(p).toBe(t.app.dir.personByPlatformId('feishu', feishu.contacts!.ids.openId(someone.key)));
    // Feishu was read first: the person is named after their Feishu identity, and sits in the Feishu tree.
    expect(p!.id).toBe(personIdFor({ platform: 'feishu', userId: feishu.contacts!.ids.openId(someone.key) }));
    expect(p!.dept).toBe(departmentIdOf('feishu', feishu.contacts!.ids.department(someone.departments[0]!)));
    const s = await status();
    expect(s.platforms.map((x: { platform: string; outcome: string }) => [x.platform, x.outcome])).toEqual([
      ['feishu', 'ok'],
      ['dingtalk', 'ok'],
    ]);
    expect(s.issues).toEqual([]);
    expect(await t.app.directory!.healthNotes()).toEqual([]);
  });

  it('keeps a person who left DingTalk only, and lists them as unlinked by name', async () => {
    const dtId = dingtalk.contacts!.ids.userId(someone.key);
    const person = t.app.dir.personByPlatformId('dingtalk', dtId)!;
    const ack = gateway.sendEvent('user_leave_org', { timeStamp: String(Date.now()), userId: [dtId] }, { eventId: 'linked-leave-1' });
    expect(JSON.parse((await gateway.waitForAck(ack)).data!)).toEqual({ status: 'SUCCESS' });
    await waitFor('the DingTalk identity gone', async () => t.app.dir.personByPlatformId('dingtalk', dtId) === undefined);
    expect(t.app.dir.person(person.id)).toMatchObject({ name: someone.name, ids: { feishu: feishu.contacts!.ids.openId(someone.key) } });
    const s = await status();
    expect(s.issues).toEqual([expect.objectContaining({ kind: 'unlinked', identity: { platform: 'feishu', userId: feishu.contacts!.ids.openId(someone.key), name: someone.name } })]);
    expect(await t.app.directory!.healthNotes()).toEqual([{ key: 'directory.health.unlinked', params: { count: 1 } }]);
    // The composition root hands the directory's notes to the digest: the admin reads them.
    const { text: digest } = await t.app.scheduler.digestFor('it-admin');
    expect(digest).toContain('通讯录：1 人未能跨平台关联');
  });
});
