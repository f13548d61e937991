// The Feishu directory through contact v3 and the official SDK (plain methods: the
// *WithIterator ones end silently on an error page, so we loop on has_more/page_token). People
// are addressed by open_id, the id our bot sends to; user_id and union_id are kept in altIds.
// Fields Feishu leaves out for want of a scope become gaps; a department outside the app's
// contact range is a gap, the root outside it a failure. See docs/channels/feishu.md#directory.
import { FeishuCallError, type FeishuApi, type FeishuReply } from '../channels/feishu/client.js';
import { assembleReader, eachLimited, missingFieldGaps, present, retrying, type ReaderOptions, type Verdict } from './read-support.js';
import { DirectoryReadError, type DirectoryGap, type DirectoryReader, type PlatformDepartment, type PlatformUser, type PlatformUserStatus } from './types.js';

const ROOT = '0';
/** The documented maximum for both list APIs (more answers 40011). */
const PAGE_SIZE = 50;
const IDS = { user_id_type: 'open_id', department_id_type: 'open_department_id' } as const;

/** Outside the app's contact range (通讯录权限范围): no dept / user / parent-dept authority. */
const OUT_OF_RANGE = new Set(['40004', '41050', '40014']);
/** "Big department: recursion refused" — read level by level instead. */
const NO_RECURSION = '43010';
const RATE_LIMITED = 99991400;
const USER_NOT_FOUND = new Set(['41012']);
const DEPARTMENT_NOT_FOUND = new Set(['40015']);

interface RawDepartment {
  open_department_id?: string;
  parent_department_id?: string;
  name?: string;
  leader_user_id?: string;
  leaders?: Array<{ leaderType?: number; leaderID?: string }>;
}

interface RawUser {
  open_id?: string;
  user_id?: string;
  union_id?: string;
  name?: string;
  job_title?: string;
  employee_no?: string;
  mobile?: string;
  email?: string;
  leader_user_id?: string;
  department_ids?: string[];
  orders?: Array<{ department_id?: string; is_primary_dept?: boolean }>;
  status?: { is_frozen?: boolean; is_resigned?: boolean; is_activated?: boolean; is_exited?: boolean; is_unjoin?: boolean };
}

interface Page<T> {
  items?: T[];
  has_more?: boolean;
  page_token?: string;
}

/** Status per the research (§4): resigned or exited → left, frozen → suspended, not joined yet → inactive. */
export function feishuStatus(s: RawUser['status']): PlatformUserStatus {
  if (!s) return 'active';
  if (s.is_resigned || s.is_exited) return 'left';
  if (s.is_frozen) return 'suspended';
  if (s.is_activated === false || s.is_unjoin) return 'inactive';
  return 'active';
}

function toUser(raw: RawUser, listedIn?: string): PlatformUser | undefined {
  if (!raw.open_id) return undefined;
  const altIds = present({ user_id: raw.user_id, union_id: raw.union_id }) as Record<string, string>;
  return {
    userId: raw.open_id,
    name: raw.name ?? '',
    status: feishuStatus(raw.status),
    // Without contact:user.department:readonly, the department that listed the person is all we know.
    departmentIds: raw.department_ids ? [...raw.department_ids] : listedIn ? [listedIn] : [],
    ...present({
      primaryDepartmentId: raw.orders?.find((o) => o.is_primary_dept)?.department_id,
      title: raw.job_title,
      managerId: raw.leader_user_id,
      employeeNo: raw.employee_no,
      mobile: raw.mobile,
      email: raw.email,
    }),
    ...(Object.keys(altIds).length ? { altIds } : {}),
  };
}

function toDepartment(raw: RawDepartment, parentId: string | null): PlatformDepartment {
  const leaders = [...(raw.leaders ?? [])].sort((a, b) => (a.leaderType ?? 9) - (b.leaderType ?? 9)).flatMap((l) => (l.leaderID ? [l.leaderID] : []));
  if (!leaders.length && raw.leader_user_id) leaders.push(raw.leader_user_id);
  return { id: raw.open_department_id ?? '', parentId, name: raw.name ?? '', leaderIds: leaders };
}

/** Why a user field is absent for everyone: the scope that grants it. */
const USER_FIELD_SCOPES: ReadonlyArray<{ field: keyof PlatformUser; why: string }> = [
  { field: 'employeeNo', why: 'scope contact:user.employee_number:read' },
  { field: 'mobile', why: 'scope contact:user.phone:readonly' },
  { field: 'email', why: 'scope contact:user.email:readonly' },
  { field: 'title', why: 'scope contact:user.employee:readonly' },
  { field: 'managerId', why: 'scope contact:user.department:readonly' },
];

export function createFeishuDirectoryReader(api: FeishuApi, o: ReaderOptions): DirectoryReader & { readonly retries: number } {
  const { client } = api;
  const retry = retrying(o);

  const judge = (op: string) => (err: unknown): Verdict => {
    if (!(err instanceof FeishuCallError)) return { retry: false, error: new DirectoryReadError(`feishu ${op}: ${(err as Error)?.message ?? String(err)}`, false, 'unknown') };
    if (err.status === 429 || err.code === RATE_LIMITED) return { retry: true, ...(err.resetSeconds !== undefined ? { waitSeconds: err.resetSeconds } : {}) };
    if (!err.permanent) return { retry: true };
    return { retry: false, error: new DirectoryReadError(err.message, false, String(err.code)) };
  };

  /** One call, rate limits waited out; answers `data`. */
  const call = async <T>(op: string, fn: Parameters<FeishuApi['call']>[1]): Promise<T> => {
    const reply: FeishuReply = await retry.run(op, () => api.call(op, fn), judge(op));
    return (reply.data ?? {}) as T;
  };

  /** Every page of a list, page by page. */
  async function pages<T>(op: string, fetch: (pageToken: string | undefined) => Parameters<FeishuApi['call']>[1]): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
      const page = await call<Page<T>>(op, fetch(token));
      items.push(...(page.items ?? []));
      token = page.has_more ? page.page_token : undefined;
    } while (token);
    return items;
  }

  const children = (parent: string, recursive: boolean) =>
    pages<RawDepartment>('contact.v3.department.children', (page_token) => (auth) =>
      client.contact.v3.department.children({ path: { department_id: parent }, params: { ...IDS, fetch_child: recursive, page_size: PAGE_SIZE, ...(page_token ? { page_token } : {}) } }, auth),
    );

  const getDepartment = (id: string) =>
    call<{ department?: RawDepartment }>('contact.v3.department.get', (auth) => client.contact.v3.department.get({ path: { department_id: id }, params: IDS }, auth));

  /** The tree under the root: one recursive listing, or level by level when Feishu refuses recursion or hides parents. */
  async function departmentTree(gaps: DirectoryGap[]): Promise<PlatformDepartment[]> {
    try {
      const all = await children(ROOT, true);
      if (all.every((d) => d.parent_department_id !== undefined)) return all.map((d) => toDepartment(d, d.parent_department_id!));
    } catch (err) {
      if (!(err instanceof DirectoryReadError && err.code === NO_RECURSION)) throw rootFailure(err);
    }
    const out: PlatformDepartment[] = [];
    let level = [ROOT];
    while (level.length) {
      const next: string[] = [];
      await eachLimited(o, level, async (parent) => {
        let kids: RawDepartment[];
        try {
          kids = await children(parent, false);
        } catch (err) {
          if (parent === ROOT) throw rootFailure(err);
          const code = outOfRangeCode(err);
          if (code === undefined) throw err;
          return void gaps.push({ what: `department:${parent}`, why: code });
        }
        for (const k of kids) {
          out.push(toDepartment(k, parent));
          if (k.open_department_id) next.push(k.open_department_id);
        }
      });
      level = next;
    }
    return out;
  }

  async function rootDepartment(gaps: DirectoryGap[]): Promise<PlatformDepartment> {
    try {
      const { department } = await getDepartment(ROOT);
      return { ...toDepartment(department ?? {}, null), id: ROOT };
    } catch (err) {
      if (!(err instanceof DirectoryReadError) || err.retryable) throw err;
      gaps.push({ what: `department:${ROOT}`, why: err.code });
      return { id: ROOT, parentId: null, name: '', leaderIds: [] };
    }
  }

  async function membersOf(department: string): Promise<RawUser[]> {
    return pages<RawUser>('contact.v3.user.findByDepartment', (page_token) => (auth) =>
      client.contact.v3.user.findByDepartment({ params: { ...IDS, department_id: department, page_size: PAGE_SIZE, ...(page_token ? { page_token } : {}) } }, auth),
    );
  }

  return assembleReader<RawUser>(o, {
    platform: 'feishu',
    retry,
    rootId: ROOT,
    departments: async (gaps) => {
      const tree = await departmentTree(gaps);
      return [await rootDepartment(gaps), ...tree];
    },
    members: membersOf,
    toUser,
    outOfRange: outOfRangeCode,
    rootFailure,
    check: () => {
      // status and user_id have no PlatformUser field of their own to be missing from.
      let statusSeen = false;
      let userIdSeen = false;
      return {
        onRaw: (raw) => {
          statusSeen ||= raw.status !== undefined;
          userIdSeen ||= raw.user_id !== undefined;
        },
        gaps: (users, departments) => {
          const gaps = missingFieldGaps(users, USER_FIELD_SCOPES);
          if (users.length && !statusSeen) gaps.push({ what: 'field:status', why: 'scope contact:user.employee:readonly' });
          if (users.length && !userIdSeen) gaps.push({ what: 'field:altIds.user_id', why: 'scope contact:user.employee_id:readonly' });
          const tree = departments.slice(1); // the root is first
          if (tree.length && tree.every((d) => d.leaderIds.length === 0)) gaps.push({ what: 'field:department.leaderIds', why: 'scope contact:department.organize:readonly' });
          return gaps;
        },
      };
    },
    user: async (userId) => {
      const { user } = await call<{ user?: RawUser }>('contact.v3.user.get', (auth) => client.contact.v3.user.get({ path: { user_id: userId }, params: IDS }, auth));
      return user ? (toUser(user) ?? null) : null;
    },
    department: async (departmentId) => {
      const { department } = await getDepartment(departmentId);
      if (!department) return null;
      if (departmentId === ROOT) return { ...toDepartment(department, null), id: ROOT };
      return toDepartment(department, department.parent_department_id ?? null);
    },
    userNotFound: USER_NOT_FOUND,
    departmentNotFound: DEPARTMENT_NOT_FOUND,
  });
}

const outOfRangeCode = (err: unknown) => (err instanceof DirectoryReadError && OUT_OF_RANGE.has(err.code) ? err.code : undefined);

/** The root unreadable: say what the admin has to change. */
function rootFailure(err: unknown): unknown {
  if (!(err instanceof DirectoryReadError) || err.retryable) return err;
  const hint = OUT_OF_RANGE.has(err.code)
    ? "the app's contact range must be the whole company"
    : err.code === '99991672'
      ? 'a contact scope is missing (the message names it)'
      : 'the root department cannot be read';
  return new DirectoryReadError(`feishu directory: ${hint}: ${err.message}`, false, err.code);
}
