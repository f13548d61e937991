// The WeCom directory reader over HTTP against the fake contact APIs, with the app's token
// (WecomClient's cache in Redis): the whole company (tree, leaders, people, status 1/2/4/5,
// two-department people, the employee number from a custom attribute), busy / throttled answers
// retried with backoff, the gaps of an app created after 2022-06-20 and of a department outside
// the visible range, and a clear failure when the root is outside it.
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WecomClient } from '../../src/channels/wecom/client.js';
import { createWecomDirectoryReader } from '../../src/directory/wecom-reader.js';
import { generateCompany } from '../fakes/company.js';
import { FakeWecomServer } from '../fakes/wecom-server.js';
import { EMPLOYEE_NO_ATTR } from '../fakes/wecom-contacts.js';
import { commonUser, expectedDepartments, normalised, type PlatformNames } from '../support/directory.js';
import { scratchRedis } from '../support/scratch-redis.js';

const CORP = 'wwdirectory0001';
const SECRET = 'app-secret';
const AGENT = 1000009;
const log = pino({ level: 'silent' });
const company = generateCompany({ departments: 30, people: 300, seed: 5 });
const { redis, prefix, close: closeRedis } = scratchRedis('wcdir');

let fake: FakeWecomServer;
let names: PlatformNames;
let waits: number[];

beforeAll(async () => {
  fake = await new FakeWecomServer({ corpId: CORP, secret: SECRET, agentId: AGENT, company }).start();
  const ids = fake.contacts!.ids;
  names = { department: (k) => String(ids.department(k)), user: ids.userId };
});
afterAll(async () => {
  await closeRedis();
  await fake.stop();
});
beforeEach(() => {
  fake.reset();
  fake.contacts!.knobs.reset();
  waits = [];
});

/** `employeeNoAttr` '' reads no employee number. */
function reader(employeeNoAttr = EMPLOYEE_NO_ATTR) {
  const client = new WecomClient({ baseUrl: fake.url, corpId: CORP, secret: SECRET, agentId: AGENT, redis, redisPrefix: prefix, log });
  return createWecomDirectoryReader(client, { log, ...(employeeNoAttr ? { employeeNoAttr } : {}), sleep: async (ms) => void waits.push(ms) });
}

const expectedUsers = () => company.people.map((p) => ({ ...commonUser(p, names), employeeNo: p.employeeNo, mobile: p.mobile, email: p.email }));

describe('WeCom directory reader', () => {
  it('reads the whole company: tree, leaders, people, linking keys, two departments, status', async () => {
    const dir = await reader().readAll();
    expect(dir).toMatchObject({ platform: 'wecom', rootId: '1', gaps: [] });
    expect(normalised(dir)).toEqual(normalised({ departments: expectedDepartments(company, names), users: expectedUsers() }));
    expect(dir.users.some((u) => u.departmentIds.length === 2)).toBe(true);
    expect(new Set(dir.users.map((u) => u.status))).toEqual(new Set(['active', 'suspended', 'inactive', 'left']));
    // One tree call from the root, then one member list per department.
    expect(fake.calls('/cgi-bin/department/list').map((r) => r.query.id)).toEqual(['1']);
    expect(fake.calls('/cgi-bin/user/list')).toHaveLength(company.departments.length);
  });

  it('retries busy and throttled answers with backoff', async () => {
    fake.failNext('/cgi-bin/user/list', 45009);
    fake.failNext('/cgi-bin/user/list', -1);
    fake.failNext('/cgi-bin/department/list', 45033);
    const r = reader();
    const dir = await r.readAll();
    expect(r.retries).toBe(3);
    expect(waits.sort()).toEqual([500, 500, 500]);
    expect(dir.users).toHaveLength(company.people.length);
  });

  it('reports what an app created after 2022-06-20 does not get, and a missing employee-number attribute', async () => {
    fake.contacts!.knobs.appCreatedAfter20220620 = true;
    const dir = await reader('').readAll();
    expect(dir.gaps).toEqual([
      { what: 'field:mobile', why: 'app-created-after-2022-06-20' },
      { what: 'field:email', why: 'app-created-after-2022-06-20' },
      { what: 'field:employeeNo', why: 'wecom has no employee number; set WECOM_EMPLOYEE_NO_ATTR' },
    ]);
    expect(dir.users.every((u) => u.mobile === undefined && u.email === undefined && u.employeeNo === undefined && u.name)).toBe(true);
    const other = await reader('EmployeeNo').readAll();
    expect(other.gaps).toContainEqual({ what: 'field:employeeNo', why: 'extattr "EmployeeNo" not found' });
  });

  it('reports a department outside the visible range as a gap, and fails clearly for the root', async () => {
    const outside = company.departments.find((d) => d.key > 1 && company.membersOf(d.key).length > 0)!;
    fake.contacts!.knobs.outOfRange.add(outside.key);
    const dir = await reader().readAll();
    expect(dir.gaps).toEqual([{ what: `department:${names.department(outside.key)}`, why: '60011' }]);
    const onlyThere = company.people.filter((p) => p.departments.every((d) => d === outside.key));
    expect(dir.users).toHaveLength(company.people.length - onlyThere.length);

    fake.contacts!.knobs.outOfRange.add(0);
    const err = await reader().readAll().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'DirectoryReadError', retryable: false, code: '60011' });
    expect((err as Error).message).toMatch(/visible range must include the root/);
  });

  it('refreshes an expired token once', async () => {
    const r = reader();
    await r.readDepartment('1');
    const before = fake.calls('/cgi-bin/gettoken').length;
    fake.expireTokens();
    expect((await r.readAll()).users).toHaveLength(company.people.length);
    expect(fake.calls('/cgi-bin/gettoken').length).toBe(before + 1);
  });

  it('reads one person and one department', async () => {
    const r = reader();
    const p = company.people.find((x) => x.status === 'suspended')!;
    expect(await r.readUser(names.user(p.key))).toEqual(expectedUsers()[p.key]);
    expect(await r.readUser('nobody')).toBeNull();
    expect(await r.readDepartment(names.department(3))).toEqual(expectedDepartments(company, names)[3]);
    expect(await r.readDepartment('9999')).toBeNull();
  });
});
