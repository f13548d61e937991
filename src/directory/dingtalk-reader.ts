// The DingTalk directory through the oapi topapi v2 contact APIs: the tree level by level
// (department/listsub answers one level, department/get adds the leaders), members per
// department (user/list, cursor, ≤ 100 a page). A department outside the app's contact range
// (88 + 60011) is a gap, the root outside it a failure; throttling (90002, 90018, -1) is retried
// with backoff; the monthly quota (90020) is not. See docs/channels/dingtalk.md#directory.
import { DingtalkOapiError, type DingtalkOapi } from '../channels/dingtalk/oapi.js';
import { assembleReader, eachLimited, missingFieldGaps, present, retrying, type ReaderOptions, type Verdict } from './read-support.js';
import { DirectoryReadError, type DirectoryGap, type DirectoryReader, type PlatformDepartment, type PlatformUser } from './types.js';

const ROOT = 1;
/** The documented maximum for user/list. */
const PAGE_SIZE = 100;
const NO_PERMISSION = '60011';
const THROTTLED = new Set(['90002', '90018', '-1']);
const QUOTA = '90020';
const USER_NOT_FOUND = new Set(['60121', '33012']);
const DEPARTMENT_NOT_FOUND = new Set(['60003']);

interface RawDepartment {
  dept_id?: number;
  name?: string;
  parent_id?: number;
  dept_manager_userid_list?: string[];
}

interface RawUser {
  userid?: string;
  unionid?: string;
  name?: string;
  title?: string;
  job_number?: string;
  mobile?: string;
  email?: string;
  org_email?: string;
  manager_userid?: string;
  dept_id_list?: number[];
  active?: boolean;
}

function toUser(raw: RawUser, listedIn?: string): PlatformUser | undefined {
  if (!raw.userid) return undefined;
  return {
    userId: raw.userid,
    name: raw.name ?? '',
    // `active` is activation only: people who left are no longer listed at all.
    status: raw.active === false ? 'inactive' : 'active',
    departmentIds: raw.dept_id_list ? raw.dept_id_list.map(String) : listedIn ? [listedIn] : [],
    ...present({ title: raw.title, managerId: raw.manager_userid, employeeNo: raw.job_number, mobile: raw.mobile, email: raw.email || raw.org_email }),
    ...(raw.unionid ? { altIds: { unionid: raw.unionid } } : {}),
  };
}

function toDepartment(raw: RawDepartment): PlatformDepartment {
  const id = raw.dept_id ?? ROOT;
  return { id: String(id), parentId: id === ROOT || raw.parent_id === undefined ? null : String(raw.parent_id), name: raw.name ?? '', leaderIds: [...(raw.dept_manager_userid_list ?? [])] };
}

const USER_FIELDS: ReadonlyArray<{ field: keyof PlatformUser; why: string }> = [
  { field: 'mobile', why: 'permission: contact personal information (mobile, email)' },
  { field: 'email', why: 'permission: contact personal information (mobile, email)' },
  { field: 'employeeNo', why: 'job_number not returned (not set, or no permission)' },
];

const judge = (err: unknown): Verdict => {
  if (!(err instanceof DingtalkOapiError)) return { retry: false, error: new DirectoryReadError(`dingtalk: ${(err as Error)?.message ?? String(err)}`, false, 'unknown') };
  if (err.transport || THROTTLED.has(err.code)) return { retry: true };
  if (err.code === QUOTA) {
    return { retry: false, error: new DirectoryReadError(`dingtalk directory: the organisation's monthly API call quota is used up (${err.message}); reads resume next month or once the quota is raised`, false, QUOTA) };
  }
  return { retry: false, error: new DirectoryReadError(err.message, false, err.code) };
};

export function createDingtalkDirectoryReader(oapi: DingtalkOapi, o: ReaderOptions): DirectoryReader & { readonly retries: number } {
  const retry = retrying(o);
  const post = <T>(path: string, body: unknown) => retry.run(path, () => oapi.post<T>(path, body), judge);
  const getDepartment = (id: number) => post<RawDepartment>('/topapi/v2/department/get', { dept_id: id });
  const isNoPermission = (err: unknown) => err instanceof DirectoryReadError && err.code === NO_PERMISSION;

  async function members(dept: string): Promise<RawUser[]> {
    const out: RawUser[] = [];
    for (let cursor: number | undefined = 0; cursor !== undefined; ) {
      const page: { has_more?: boolean; next_cursor?: number; list?: RawUser[] } = await post('/topapi/v2/user/list', { dept_id: Number(dept), cursor, size: PAGE_SIZE });
      out.push(...(page.list ?? []));
      cursor = page.has_more && typeof page.next_cursor === 'number' ? page.next_cursor : undefined;
    }
    return out;
  }

  /**
   * The tree, level by level: listsub for each department's children, then department/get for
   * each child's leaders — two pools of `concurrency`, never one inside the other, so the app
   * stays within DingTalk's per-app rate.
   */
  async function tree(gaps: DirectoryGap[]): Promise<PlatformDepartment[]> {
    const out = [toDepartment(await getDepartment(ROOT).catch((err: unknown) => Promise.reject(rootFailure(err))))];
    for (let parents = [ROOT]; parents.length; ) {
      const kids: RawDepartment[] = [];
      await eachLimited(o, parents, async (parent) => {
        try {
          const listed = (await post<RawDepartment[]>('/topapi/v2/department/listsub', { dept_id: parent })) ?? [];
          kids.push(...listed.filter((k) => k.dept_id !== undefined).map((k) => ({ ...k, parent_id: parent })));
        } catch (err) {
          if (parent === ROOT) throw rootFailure(err);
          if (!isNoPermission(err)) throw err;
          gaps.push({ what: `department:${parent}`, why: NO_PERMISSION });
        }
      });
      await eachLimited(o, kids, async (kid) => {
        try {
          out.push(toDepartment({ parent_id: kid.parent_id, ...(await getDepartment(kid.dept_id!)) }));
        } catch (err) {
          if (!isNoPermission(err)) throw err;
          gaps.push({ what: `department:${kid.dept_id}`, why: NO_PERMISSION });
          out.push(toDepartment(kid));
        }
      });
      parents = kids.map((k) => k.dept_id!);
    }
    return out;
  }

  return assembleReader<RawUser>(o, {
    platform: 'dingtalk',
    retry,
    rootId: String(ROOT),
    departments: tree,
    members,
    toUser,
    outOfRange: (err) => (isNoPermission(err) ? NO_PERMISSION : undefined),
    rootFailure,
    check: () => ({ gaps: (users) => missingFieldGaps(users, USER_FIELDS) }),
    user: async (userId) => toUser(await post<RawUser>('/topapi/v2/user/get', { userid: userId })) ?? null,
    department: async (departmentId) => toDepartment(await getDepartment(Number(departmentId))),
    userNotFound: USER_NOT_FOUND,
    departmentNotFound: DEPARTMENT_NOT_FOUND,
  });
}

function rootFailure(err: unknown): unknown {
  if (!(err instanceof DirectoryReadError) || err.code !== NO_PERMISSION) return err;
  return new DirectoryReadError(`dingtalk directory: the app's contact range must include the root department: ${err.message}`, false, err.code);
}
