// The WeCom directory through the self-built app's token: department/list (the whole tree in
// one call) and user/list per department (direct members, no paging). Apps created after
// 2022-06-20 get no mobile or email (a gap); WeCom has no employee number, so one can be read
// from a custom attribute (WECOM_EMPLOYEE_NO_ATTR). A department outside the app's visible range
// (60011) is a gap, the root outside it a failure; 45009 / 45033 / -1 are retried with backoff.
// See docs/channels/wecom.md#directory.
import { DeliveryError } from '../channels/channel.js';
import type { WecomClient, WecomReply } from '../channels/wecom/client.js';
import { WecomApiError } from '../channels/wecom/errors.js';
import { assembleReader, missingFieldGaps, present, retrying, type ReaderOptions, type Verdict } from './read-support.js';
import { DirectoryReadError, type DirectoryReader, type PlatformDepartment, type PlatformUser, type PlatformUserStatus } from './types.js';

const ROOT = '1';
const NO_PERMISSION = '60011';
const RETRY = new Set([45009, 45033, -1]);
const USER_NOT_FOUND = new Set(['60111']);
const DEPARTMENT_NOT_FOUND = new Set(['60003', '60123']);
const NEW_APP = 'app-created-after-2022-06-20';

export interface WecomReaderOptions extends ReaderOptions {
  /** The custom attribute (extattr) holding the employee number, if the company keeps one. */
  employeeNoAttr?: string;
}

interface RawDepartment {
  id?: number;
  name?: string;
  parentid?: number;
  department_leader?: string[];
}

interface RawUser {
  userid?: string;
  name?: string;
  department?: number[];
  main_department?: number;
  position?: string;
  mobile?: string;
  email?: string;
  biz_mail?: string;
  direct_leader?: string[];
  status?: number;
  extattr?: { attrs?: Array<{ type?: number; name?: string; value?: string; text?: { value?: string } }> };
}

/** 1 active, 2 disabled, 4 not activated, 5 left the company (research §4). */
const STATUS: Record<number, PlatformUserStatus> = { 1: 'active', 2: 'suspended', 4: 'inactive', 5: 'left' };

function toDepartment(raw: RawDepartment): PlatformDepartment {
  const id = String(raw.id ?? '');
  return { id, parentId: id === ROOT || !raw.parentid ? null : String(raw.parentid), name: raw.name ?? '', leaderIds: [...(raw.department_leader ?? [])] };
}

function attr(raw: RawUser, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const a = raw.extattr?.attrs?.find((x) => x.name === name);
  return a?.text?.value ?? a?.value;
}

const judge = (err: unknown): Verdict => {
  if (err instanceof WecomApiError) {
    if (RETRY.has(err.errcode)) return { retry: true };
    return { retry: false, error: new DirectoryReadError(err.message, false, String(err.errcode)) };
  }
  if (err instanceof DeliveryError && !err.permanent) return { retry: true };
  return { retry: false, error: new DirectoryReadError(`wecom: ${(err as Error)?.message ?? String(err)}`, false, String((err as DeliveryError)?.code ?? 'unknown')) };
};

export function createWecomDirectoryReader(client: WecomClient, o: WecomReaderOptions): DirectoryReader & { readonly retries: number } {
  const retry = retrying(o);
  const get = <T extends WecomReply>(path: string, query: Record<string, string>) => retry.run(path, () => client.get<T>(path, query), judge);
  const isNoPermission = (err: unknown) => err instanceof DirectoryReadError && err.code === NO_PERMISSION;

  const toUser = (raw: RawUser, listedIn?: string): PlatformUser | undefined => {
    if (!raw.userid) return undefined;
    return {
      userId: raw.userid,
      name: raw.name ?? '',
      status: STATUS[raw.status ?? 1] ?? 'active',
      departmentIds: raw.department ? raw.department.map(String) : listedIn ? [listedIn] : [],
      ...present({
        primaryDepartmentId: raw.main_department === undefined ? undefined : String(raw.main_department),
        title: raw.position,
        managerId: raw.direct_leader?.[0],
        employeeNo: attr(raw, o.employeeNoAttr),
        mobile: raw.mobile,
        email: raw.email || raw.biz_mail,
      }),
    };
  };

  const userGaps: ReadonlyArray<{ field: keyof PlatformUser; why: string }> = [
    { field: 'mobile', why: NEW_APP },
    { field: 'email', why: NEW_APP },
    { field: 'employeeNo', why: o.employeeNoAttr ? `extattr "${o.employeeNoAttr}" not found` : 'wecom has no employee number; set WECOM_EMPLOYEE_NO_ATTR' },
  ];

  return assembleReader<RawUser>(o, {
    platform: 'wecom',
    retry,
    rootId: ROOT,
    departments: async () => {
      try {
        return ((await get<WecomReply & { department?: RawDepartment[] }>('/cgi-bin/department/list', { id: ROOT })).department ?? []).map(toDepartment);
      } catch (err) {
        throw rootFailure(err);
      }
    },
    members: async (id) => (await get<WecomReply & { userlist?: RawUser[] }>('/cgi-bin/user/list', { department_id: id })).userlist ?? [],
    toUser,
    outOfRange: (err) => (isNoPermission(err) ? NO_PERMISSION : undefined),
    rootFailure,
    check: () => ({ gaps: (users) => missingFieldGaps(users, userGaps) }),
    user: async (userId) => toUser(await get<WecomReply & RawUser>('/cgi-bin/user/get', { userid: userId })) ?? null,
    department: async (departmentId) => {
      const { department } = await get<WecomReply & { department?: RawDepartment }>('/cgi-bin/department/get', { id: departmentId });
      return department ? toDepartment(department) : null;
    },
    userNotFound: USER_NOT_FOUND,
    departmentNotFound: DEPARTMENT_NOT_FOUND,
  });
}

function rootFailure(err: unknown): unknown {
  if (!(err instanceof DirectoryReadError) || err.code !== NO_PERMISSION) return err;
  return new DirectoryReadError(`wecom directory: the app's visible range must include the root department: ${err.message}`, false, NO_PERMISSION);
}
