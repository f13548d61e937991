// WeCom's contact APIs for the fake server, serving a generated company as documented
// (docs/channels/directory-research.md §3): GET /cgi-bin/department/list (recursive from `id`),
// /department/get, /user/list (direct members of one department, no paging) and /user/get.
// Knobs: an app created after 2022-06-20 (no mobile, email, biz_mail, gender, avatar, qr_code,
// address), departments outside the visible range (listed, but 60011 on their members and
// details; the root outside it refuses the tree). Errors are injected with the server's
// failNext (45009, 45033, -1). Everyone carries the custom attribute "工号" (employee number).
import type { Company, CompanyDepartment, CompanyPerson } from './company.js';

export const EMPLOYEE_NO_ATTR = '工号';
const STATUS = { active: 1, suspended: 2, inactive: 4, left: 5 } as const;
const NEW_APP_HIDES = ['mobile', 'email', 'biz_mail', 'gender', 'avatar', 'thumb_avatar', 'qr_code', 'address'];

export function wecomContacts(company: Company) {
  const ids = {
    department: (key: number) => key + 1,
    userId: (key: number) => `W${String(key).padStart(5, '0')}`,
  };
  const deptById = new Map(company.departments.map((d) => [ids.department(d.key), d]));
  const personById = new Map(company.people.map((p) => [ids.userId(p.key).toLowerCase(), p]));

  const knobs = {
    /** The app was created after 2022-06-20: WeCom leaves out mobile, email and the like. */
    appCreatedAfter20220620: false,
    /** Departments outside the app's visible range: 60011. */
    outOfRange: new Set<number>(),
    reset() {
      knobs.appCreatedAfter20220620 = false;
      knobs.outOfRange.clear();
    },
  };

  const ok = (extra: Record<string, unknown>) => ({ errcode: 0, errmsg: 'ok', ...extra });
  const noPermission = { errcode: 60011, errmsg: 'no privilege to access/modify contact/party/agent' };

  const departmentObject = (d: CompanyDepartment) => ({
    id: ids.department(d.key),
    name: d.name,
    name_en: '',
    department_leader: d.leaders.map(ids.userId),
    parentid: d.parent === null ? 0 : ids.department(d.parent),
    order: 100000000 - d.key,
  });

  function userObject(p: CompanyPerson) {
    const manager = p.managerKey === undefined ? undefined : company.people[p.managerKey]!;
    const full: Record<string, unknown> = {
      userid: ids.userId(p.key),
      name: p.name,
      department: p.departments.map(ids.department),
      order: p.departments.map(() => 0),
      position: p.title,
      mobile: p.mobile,
      gender: '1',
      email: p.email,
      biz_mail: '',
      is_leader_in_dept: p.departments.map((d) => (company.departments[d]!.leaders.includes(p.key) ? 1 : 0)),
      direct_leader: manager ? [ids.userId(manager.key)] : [],
      avatar: 'https://wework.qpic.cn/avatar',
      thumb_avatar: 'https://wework.qpic.cn/thumb',
      telephone: '',
      alias: '',
      address: '',
      status: STATUS[p.status],
      qr_code: 'https://open.work.weixin.qq.com/wwopen/userQRCode',
      main_department: ids.department(p.departments[0]!),
      extattr: { attrs: [{ type: 0, name: EMPLOYEE_NO_ATTR, value: p.employeeNo, text: { value: p.employeeNo } }] },
    };
    if (knobs.appCreatedAfter20220620) for (const k of NEW_APP_HIDES) delete full[k];
    return full;
  }

  /** `d` and every department under it, breadth first. */
  function subtree(d: CompanyDepartment): CompanyDepartment[] {
    const out = [d];
    for (let i = 0; i < out.length; i++) out.push(...company.childrenOf(out[i]!.key));
    return out;
  }

  return {
    ids,
    knobs,
    /** Answers a contact API GET (`undefined` when the path is not one of ours). */
    answer(path: string, q: Record<string, string>): Record<string, unknown> | undefined {
      switch (path) {
        case '/cgi-bin/department/list': {
          const d = q.id ? deptById.get(Number(q.id)) : company.departments[0];
          if (!d) return { errcode: 60123, errmsg: 'invalid party id' };
          if (knobs.outOfRange.has(d.key)) return noPermission;
          return ok({ department: subtree(d).map(departmentObject) });
        }
        case '/cgi-bin/department/get': {
          const d = deptById.get(Number(q.id));
          if (!d) return { errcode: 60123, errmsg: 'invalid party id' };
          if (knobs.outOfRange.has(d.key)) return noPermission;
          return ok({ department: departmentObject(d) });
        }
        case '/cgi-bin/user/list': {
          const d = deptById.get(Number(q.department_id));
          if (!d) return { errcode: 60123, errmsg: 'invalid party id' };
          if (knobs.outOfRange.has(d.key)) return noPermission;
          return ok({ userlist: company.membersOf(d.key).map(userObject) });
        }
        case '/cgi-bin/user/get': {
          // UserIDs are case-insensitive.
          const p = personById.get(String(q.userid ?? '').toLowerCase());
          if (!p) return { errcode: 60111, errmsg: 'userid not found' };
          return ok(userObject(p));
        }
        default:
          return undefined;
      }
    },
  };
}

export type WecomContacts = ReturnType<typeof wecomContacts>;
