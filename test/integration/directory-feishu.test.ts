// The Feishu directory reader through the official SDK against the fake contact v3 APIs: the
// whole company (tree, leaders, people, keys, two-department people, status), paging, rate
// limits waited out, a rejected token refetched, gaps for missing scopes and out-of-range
// departments, and clear failures when the root cannot be read.
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFeishuApi } from '../../src/channels/feishu/client.js';
import { createFeishuDirectoryReader } from '../../src/directory/feishu-reader.js';
import { DirectoryReadError } from '../../src/directory/types.js';
import { generateCompany } from '../fakes/company.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';
import { commonUser, expectedDepartments, normalised, type PlatformNames } from '../support/directory.js';

const APP_ID = 'cli_directory0001';
const SECRET = 'directory-secret';
const log = pino({ level: 'silent' });
const company = generateCompany({ departments: 30, people: 300, bigDepartment: 120, seed: 7 });

let fake: FakeFeishu;
let names: PlatformNames;
let waits: number[];

beforeAll(async () => {
  fake = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET, company });
  const ids = fake.contacts!.ids;
  names = { department: ids.department, user: ids.openId };
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  fake.contacts!.knobs.reset();
  waits = [];
});

function reader() {
  const api = createFeishuApi({ appId: APP_ID, appSecret: SECRET, baseUrl: fake.url, log });
  return createFeishuDirectoryReader(api, { log, sleep: async (ms) => void waits.push(ms) });
}

const expectedUsers = () =>
  company.people
    .filter((p) => p.status !== 'left')
    .map((p) => ({
      ...commonUser(p, names),
      employeeNo: p.employeeNo,
      mobile: p.mobile,
      email: p.email,
      altIds: { user_id: fake.contacts!.ids.userId(p.key), union_id: fake.contacts!.ids.unionId(p.key) },
    }));

describe('Feishu directory reader', () => {
  it('reads the whole company: tree, leaders, people, linking keys, two departments, status', async () => {
    const dir = await reader().readAll();
    expect(dir.platform).toBe('feishu');
    expect(dir.rootId).toBe('0');
    expect(dir.gaps).toEqual([]);
    expect(normalised(dir)).toEqual(normalised({ departments: expectedDepartments(company, names), users: expectedUsers() }));
    // The company has every case the test claims to cover.
    expect(dir.users.some((u) => u.departmentIds.length === 2)).toBe(true);
    expect(new Set(dir.users.map((u) => u.status))).toEqual(new Set(['active', 'suspended', 'inactive']));
    // Asked as documented: page_size 50, open ids.
    const lists = fake.apiRequests(/\/contact\/v3\/(users\/find_by_department|departments\/[^/]+\/children)$/);
    expect(lists.every((r) => r.query.page_size === '50' && r.query.user_id_type === 'open_id')).toBe(true);
  });

  it('pages through lists longer than one page', async () => {
    await reader().readAll();
    const big = fake.contacts!.ids.department(1);
    const pages = fake.apiRequests(/find_by_department$/).filter((r) => r.query.department_id === big);
    expect(pages.length).toBeGreaterThanOrEqual(3); // 120+ people, 50 a page
    expect(pages.filter((r) => r.query.page_token).length).toBe(pages.length - 1);
  });

  it('waits out a rate limit for as long as Feishu says, then carries on', async () => {
    fake.contacts!.knobs.throttleNext(2, 3);
    const r = reader();
    const dir = await r.readAll();
    expect(waits).toEqual([3000, 3000]);
    expect(r.retries).toBe(2);
    expect(dir.users).toHaveLength(expectedUsers().length);
  });

  it('gives up on a rate limit that does not lift, as a retryable error', async () => {
    fake.contacts!.knobs.throttleNext(10, 1, 400);
    const err = await reader().readAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DirectoryReadError);
    expect(err).toMatchObject({ retryable: true, code: '99991400' });
  });

  it('fetches a new tenant token once when Feishu rejects the cached one', async () => {
    const r = reader();
    await r.readDepartment('0');
    const before = fake.tokensIssued;
    fake.revokeTokens();
    const dir = await r.readAll();
    expect(fake.tokensIssued).toBe(before + 1);
    expect(dir.users).toHaveLength(expectedUsers().length);
  });

  it('reports the fields a missing scope leaves out, and keeps what it has', async () => {
    const k = fake.contacts!.knobs;
    for (const s of ['contact:user.phone:readonly', 'contact:user.employee_number:read', 'contact:user.employee:readonly', 'contact:user.employee_id:readonly']) k.missingScopes.add(s);
    const dir = await reader().readAll();
    expect(dir.gaps).toEqual(
      expect.arrayContaining([
        { what: 'field:mobile', why: 'scope contact:user.phone:readonly' },
        { what: 'field:employeeNo', why: 'scope contact:user.employee_number:read' },
        { what: 'field:title', why: 'scope contact:user.employee:readonly' },
        { what: 'field:status', why: 'scope contact:user.employee:readonly' },
        { what: 'field:altIds.user_id', why: 'scope contact:user.employee_id:readonly' },
      ]),
    );
    expect(dir.gaps).toHaveLength(5);
    expect(dir.users.every((u) => u.mobile === undefined && u.employeeNo === undefined && u.email !== undefined)).toBe(true);
  });

  it('reads the tree level by level when Feishu refuses recursion or hides parents', async () => {
    fake.contacts!.knobs.refuseRecursion = true;
    const dir = await reader().readAll();
    expect(normalised(dir).departments).toEqual(normalised({ departments: expectedDepartments(company, names), users: [] }).departments);
    fake.contacts!.knobs.refuseRecursion = false;
    fake.contacts!.knobs.missingScopes.add('contact:department.organize:readonly');
    const hidden = await reader().readAll();
    expect(normalised(hidden).departments.map((d) => [d.id, d.parentId])).toEqual(normalised(dir).departments.map((d) => [d.id, d.parentId]));
    expect(hidden.gaps).toContainEqual({ what: 'field:department.leaderIds', why: 'scope contact:department.organize:readonly' });
  });

  it('reports a department outside the contact range as a gap and reads the rest', async () => {
    const outside = company.departments.find((d) => d.key > 1 && company.membersOf(d.key).length > 0)!;
    fake.contacts!.knobs.outOfRange.add(outside.key);
    const dir = await reader().readAll();
    expect(dir.gaps).toEqual([{ what: `department:${names.department(outside.key)}`, why: '40004' }]);
    // Level by level, its children are refused too: still one gap.
    fake.contacts!.knobs.refuseRecursion = true;
    expect((await reader().readAll()).gaps).toEqual(dir.gaps);
    const onlyThere = company.people.filter((p) => p.status !== 'left' && p.departments.every((d) => d === outside.key));
    expect(onlyThere.length).toBeGreaterThan(0);
    expect(dir.users).toHaveLength(expectedUsers().length - onlyThere.length);
  });

  it('fails clearly when the root is outside the contact range or the API scope is missing', async () => {
    fake.contacts!.knobs.outOfRange.add(0);
    const range = await reader().readAll().catch((e: unknown) => e);
    expect(range).toMatchObject({ name: 'DirectoryReadError', retryable: false, code: '40004' });
    expect((range as Error).message).toMatch(/contact range must be the whole company/);
    fake.contacts!.knobs.outOfRange.clear();
    fake.contacts!.knobs.apiDenied = true;
    const scope = await reader().readAll().catch((e: unknown) => e);
    expect(scope).toMatchObject({ retryable: false, code: '99991672' });
    expect((scope as Error).message).toMatch(/contact:contact\.base:readonly/);
  });

  it('reads one person and one department, a resigned person as left', async () => {
    const r = reader();
    const gone = company.people.find((p) => p.status === 'left')!;
    expect(await r.readUser(names.user(gone.key))).toMatchObject({ userId: names.user(gone.key), status: 'left', employeeNo: gone.employeeNo });
    expect(await r.readUser('ou_nobody')).toBeNull();
    const d = company.departments[5]!;
    expect(await r.readDepartment(names.department(d.key))).toEqual(expectedDepartments(company, names)[5]);
    expect(await r.readDepartment('od-nothing')).toBeNull();
  });
});
