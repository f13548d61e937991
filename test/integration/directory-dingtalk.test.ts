// The DingTalk directory reader over HTTP against the fake oapi contact APIs: the whole company
// (tree, leaders, people, keys, two-department people, activation), cursor paging, throttling
// retried with backoff, the monthly quota refused, a rejected token refetched, gaps for missing
// permissions and out-of-range departments, and a clear failure when the root is out of range.
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DingtalkOapi } from '../../src/channels/dingtalk/oapi.js';
import { createDingtalkDirectoryReader } from '../../src/directory/dingtalk-reader.js';
import { DirectoryReadError } from '../../src/directory/types.js';
import { generateCompany } from '../fakes/company.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk, type FakeDingtalkServer } from '../fakes/dingtalk-server.js';
import { commonUser, expectedDepartments, normalised, type PlatformNames } from '../support/directory.js';
import { scratchRedis } from '../support/scratch-redis.js';

const log = pino({ level: 'silent' });
const company = generateCompany({ departments: 30, people: 300, bigDepartment: 230, seed: 11 });
const { redis, prefix, close: closeRedis } = scratchRedis('dtdir');

let fake: FakeDingtalkServer;
let names: PlatformNames;
let waits: number[];

beforeAll(async () => {
  fake = await startFakeDingtalk({ company });
  const ids = fake.contacts!.ids;
  names = { department: (k) => String(ids.department(k)), user: ids.userId };
});
afterAll(async () => {
  await closeRedis();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.clearFailures();
  fake.contacts!.knobs.reset();
  waits = [];
});

function reader() {
  const oapi = new DingtalkOapi({ baseUrl: fake.url, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, redis, prefix, log });
  return createDingtalkDirectoryReader(oapi, { log, sleep: async (ms) => void waits.push(ms) });
}

const listed = () => company.people.filter((p) => p.status !== 'left');
const expectedUsers = () =>
  listed().map((p) => {
    const { primaryDepartmentId: _primary, ...common } = commonUser(p, names);
    // DingTalk knows activation only: a suspended person is listed as active.
    return { ...common, status: p.status === 'inactive' ? ('inactive' as const) : ('active' as const), employeeNo: p.employeeNo, mobile: p.mobile, email: p.email, altIds: { unionid: fake.contacts!.ids.unionId(p.key) } };
  });
const lists = (path: string) => fake.requests.filter((r) => r.path === path);

describe('DingTalk directory reader', () => {
  it('reads the whole company: tree, leaders, people, linking keys, two departments, status', async () => {
    const dir = await reader().readAll();
    expect(dir).toMatchObject({ platform: 'dingtalk', rootId: '1', gaps: [] });
    expect(normalised(dir)).toEqual(normalised({ departments: expectedDepartments(company, names), users: expectedUsers() }));
    expect(dir.users.some((u) => u.departmentIds.length === 2)).toBe(true);
    expect(dir.users.some((u) => u.status === 'inactive')).toBe(true);
    // Asked as documented: oapi paths with ?access_token=, pages of 100 from cursor 0.
    expect(lists('/topapi/v2/user/list').every((r) => r.query.access_token && r.body.size === 100 && typeof r.body.cursor === 'number')).toBe(true);
    expect(lists('/topapi/v2/department/listsub')).toHaveLength(company.departments.length);
  });

  it('follows next_cursor through a department longer than one page', async () => {
    await reader().readAll();
    const big = lists('/topapi/v2/user/list').filter((r) => r.body.dept_id === fake.contacts!.ids.department(1));
    expect(big.map((r) => r.body.cursor)).toEqual([0, 100, 200]);
  });

  it('retries throttled calls with backoff and gives up on the monthly quota', async () => {
    fake.contacts!.knobs.throttleNext(2, 90002);
    fake.fail('/topapi/v2/department/listsub', 200, { errcode: 90018, errmsg: '当前企业正在调用的API超过限制' });
    fake.fail('/topapi/v2/user/list', 200, { errcode: -1, errmsg: '系统繁忙' });
    const r = reader();
    const dir = await r.readAll();
    expect(r.retries).toBe(4);
    expect(waits).toEqual([500, 1000, 500, 500]);
    expect(dir.users).toHaveLength(listed().length);

    fake.contacts!.knobs.quotaExhausted = true;
    const err = await reader().readAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryReadError);
    expect(err).toMatchObject({ retryable: false, code: '90020' });
    expect((err as Error).message).toMatch(/monthly API call quota is used up/);
  });

  it('fetches a new token once when DingTalk refuses the cached one', async () => {
    const r = reader();
    await r.readDepartment('1');
    const before = fake.contacts!.tokensIssued;
    fake.contacts!.knobs.revokeTokens();
    expect((await r.readAll()).users).toHaveLength(listed().length);
    expect(fake.contacts!.tokensIssued).toBe(before + 1);
  });

  it('reports what a missing permission or an out-of-range department leaves out', async () => {
    const outside = company.departments.find((d) => d.key > 1 && company.childrenOf(d.key).length === 0 && company.membersOf(d.key).length > 0)!;
    fake.contacts!.knobs.outOfRange.add(outside.key);
    fake.contacts!.knobs.noPersonalInfo = true;
    const dir = await reader().readAll();
    expect(dir.gaps).toEqual([
      { what: `department:${names.department(outside.key)}`, why: '60011' },
      { what: 'field:mobile', why: 'permission: contact personal information (mobile, email)' },
      { what: 'field:email', why: 'permission: contact personal information (mobile, email)' },
    ]);
    // The department is still in the tree (from its parent's listing), without leaders.
    expect(dir.departments.find((d) => d.id === names.department(outside.key))).toMatchObject({ name: outside.name, leaderIds: [] });
    const onlyThere = listed().filter((p) => p.departments.every((d) => d === outside.key));
    expect(dir.users).toHaveLength(listed().length - onlyThere.length);
  });

  it('fails clearly when the root is outside the contact range', async () => {
    fake.contacts!.knobs.outOfRange.add(0);
    const err = await reader().readAll().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'DirectoryReadError', retryable: false, code: '60011' });
    expect((err as Error).message).toMatch(/contact range must include the root/);
  });

  it('reads one person and one department; a person who left is not found', async () => {
    const r = reader();
    const p = listed()[3]!;
    expect(await r.readUser(names.user(p.key))).toMatchObject({ userId: names.user(p.key), employeeNo: p.employeeNo, managerId: p.managerKey === undefined ? undefined : names.user(p.managerKey) });
    expect(await r.readUser(names.user(company.people.find((x) => x.status === 'left')!.key))).toBeNull();
    expect(await r.readDepartment(names.department(4))).toEqual(expectedDepartments(company, names)[4]);
    expect(await r.readDepartment('99999')).toBeNull();
  });
});
