// Feishu contact v3 for the fake server, serving a generated company as documented
// (docs/channels/directory-research.md §1): departments/:id/children (fetch_child),
// users/find_by_department, departments/:id, users/:id; page_size ≤ 50 (else 40011), opaque
// page tokens (else 40012), open/union/user ids, fields stripped per missing scope, 40004 outside
// the contact range, 99991672 without the API scope, 43010 for a refused recursion, and 429 +
// x-ogw-ratelimit-* + 99991400 on demand. Assumption (unconfirmed in the docs): resigned people
// are not listed by find_by_department; users/:id still answers them with is_resigned.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { pageToken, readPageToken, type Company, type CompanyDepartment, type CompanyPerson } from './company.js';

const hex = (s: string) => createHash('md5').update(s).digest('hex');

/** Which scopes gate which user fields (a field stays while any one of its scopes is granted). */
const USER_FIELD_SCOPES: Record<string, string[]> = {
  user_id: ['contact:user.employee_id:readonly'],
  mobile: ['contact:user.phone:readonly'],
  email: ['contact:user.email:readonly'],
  employee_no: ['contact:user.employee_number:read', 'contact:user.employee:readonly'],
  job_title: ['contact:user.employee:readonly'],
  status: ['contact:user.employee:readonly'],
  department_ids: ['contact:user.department:readonly'],
  leader_user_id: ['contact:user.department:readonly'],
  orders: ['contact:user.department:readonly'],
};
const DEPARTMENT_ORGANIZE = 'contact:department.organize:readonly';

interface Request {
  method: string;
  path: string;
  query: Record<string, string>;
}

export function feishuContacts(company: Company) {
  const ids = {
    department: (key: number) => (key === 0 ? '0' : `od-${hex(`d${key}`)}`),
    customDepartment: (key: number) => (key === 0 ? '0' : `D${key}`),
    openId: (key: number) => `ou_${hex(`u${key}`)}`,
    unionId: (key: number) => `on_${hex(`n${key}`)}`,
    userId: (key: number) => `u${key}`,
  };
  const deptByOpenId = new Map(company.departments.map((d) => [ids.department(d.key), d]));
  const deptByCustom = new Map(company.departments.map((d) => [ids.customDepartment(d.key), d]));
  const personById = new Map<string, CompanyPerson>();
  for (const p of company.people) for (const id of [ids.openId(p.key), ids.unionId(p.key), ids.userId(p.key)]) personById.set(id, p);

  const knobs = {
    /** Field scopes the app lacks: their fields are left out, silently. */
    missingScopes: new Set<string>(),
    /** The app lacks every contact API scope: 99991672. */
    apiDenied: false,
    /** Departments outside the app's contact range: 40004 on their children and members. */
    outOfRange: new Set<number>(),
    /** `fetch_child=true` answers 43010 (a department too big for recursion). */
    refuseRecursion: false,
    /** The next `n` contact calls answer a rate limit. */
    throttleNext(n: number, resetSeconds = 1, httpStatus = 429) {
      throttle = { n, resetSeconds, httpStatus };
    },
    /** Back to a fully granted, unthrottled app. */
    reset() {
      knobs.missingScopes.clear();
      knobs.outOfRange.clear();
      knobs.apiDenied = false;
      knobs.refuseRecursion = false;
      throttle = { n: 0, resetSeconds: 1, httpStatus: 429 };
    },
  };
  let throttle = { n: 0, resetSeconds: 1, httpStatus: 429 };

  const granted = (field: string) => (USER_FIELD_SCOPES[field] ?? []).some((s) => !knobs.missingScopes.has(s));
  const userIdOf = (p: CompanyPerson, type: string) => (type === 'union_id' ? ids.unionId(p.key) : type === 'user_id' ? ids.userId(p.key) : ids.openId(p.key));
  const deptIdOf = (key: number, type: string) => (type === 'department_id' ? ids.customDepartment(key) : ids.department(key));

  function userObject(p: CompanyPerson, q: Record<string, string>) {
    const uType = q.user_id_type ?? 'open_id';
    const dType = q.department_id_type ?? 'open_department_id';
    const manager = p.managerKey === undefined ? undefined : company.people[p.managerKey];
    const full: Record<string, unknown> = {
      union_id: ids.unionId(p.key),
      user_id: ids.userId(p.key),
      open_id: ids.openId(p.key),
      name: p.name,
      en_name: '',
      mobile: p.mobile,
      mobile_visible: true,
      email: p.email,
      employee_no: p.employeeNo,
      job_title: p.title,
      employee_type: 1,
      status: { is_frozen: p.status === 'suspended', is_resigned: p.status === 'left', is_activated: p.status !== 'inactive', is_exited: false, is_unjoin: false },
      department_ids: p.departments.map((d) => deptIdOf(d, dType)),
      orders: p.departments.map((d, i) => ({ department_id: deptIdOf(d, dType), user_order: 0, department_order: i, is_primary_dept: i === 0 })),
      ...(manager ? { leader_user_id: userIdOf(manager, uType) } : {}),
    };
    return Object.fromEntries(Object.entries(full).filter(([k]) => !(k in USER_FIELD_SCOPES) || granted(k)));
  }

  function departmentObject(d: CompanyDepartment, q: Record<string, string>) {
    const uType = q.user_id_type ?? 'open_id';
    const dType = q.department_id_type ?? 'open_department_id';
    const leaders = d.leaders.map((k) => company.people[k]!);
    const organize = !knobs.missingScopes.has(DEPARTMENT_ORGANIZE);
    return {
      name: d.name,
      i18n_name: { zh_cn: d.name, en_us: '', ja_jp: '' },
      department_id: ids.customDepartment(d.key),
      open_department_id: ids.department(d.key),
      ...(organize && d.parent !== null ? { parent_department_id: deptIdOf(d.parent, dType) } : {}),
      ...(organize && leaders[0] ? { leader_user_id: userIdOf(leaders[0], uType) } : {}),
      ...(organize ? { leaders: leaders.map((p, i) => ({ leaderType: i === 0 ? 1 : 2, leaderID: userIdOf(p, uType) })), member_count: company.membersOf(d.key).length } : {}),
      order: String(d.key),
      status: { is_deleted: false },
    };
  }

  /** Every descendant, breadth first. */
  function descendants(key: number): CompanyDepartment[] {
    const out: CompanyDepartment[] = [];
    for (let level = company.childrenOf(key); level.length; level = level.flatMap((d) => company.childrenOf(d.key))) out.push(...level);
    return out;
  }

  type Answer = { status: number; body: unknown; headers?: Record<string, string> };
  const ok = (data: unknown): Answer => ({ status: 200, body: { code: 0, msg: 'success', data } });
  const fail = (status: number, code: number, msg: string): Answer => ({ status, body: { code, msg } });

  /** One page of `items`, or the documented error for a bad page_size / page_token. */
  function page(list: string, items: unknown[], q: Record<string, string>): Answer {
    const size = q.page_size === undefined ? 10 : Number(q.page_size);
    if (!Number.isInteger(size) || size < 1 || size > 50) return fail(400, 40011, 'page size is invalid');
    const offset = q.page_token ? readPageToken(list, q.page_token) : 0;
    if (offset === undefined) return fail(400, 40012, 'page token is invalid error');
    const more = offset + size < items.length;
    return ok({ has_more: more, ...(more ? { page_token: pageToken(list, offset + size) } : {}), items: items.slice(offset, offset + size) });
  }

  function department(id: string, q: Record<string, string>): CompanyDepartment | undefined {
    return (q.department_id_type === 'department_id' ? deptByCustom : deptByOpenId).get(id);
  }

  function answer(rec: Request): Answer | undefined {
    const children = /^\/open-apis\/contact\/v3\/departments\/([^/]+)\/children$/.exec(rec.path);
    const deptGet = /^\/open-apis\/contact\/v3\/departments\/([^/]+)$/.exec(rec.path);
    const userGet = /^\/open-apis\/contact\/v3\/users\/([^/]+)$/.exec(rec.path);
    if (rec.method !== 'GET' || !rec.path.startsWith('/open-apis/contact/v3/')) return undefined;
    if (throttle.n > 0) {
      throttle.n--;
      return { status: throttle.httpStatus, body: { code: 99991400, msg: 'request trigger frequency limit' }, headers: { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': String(throttle.resetSeconds) } };
    }
    if (knobs.apiDenied) {
      return {
        status: 400,
        body: {
          code: 99991672,
          msg: 'Access denied. One of the following scopes is required: [contact:contact.base:readonly, contact:contact:readonly_as_app]',
          error: { permission_violations: [{ type: 'action_scope_required', subject: 'contact:contact.base:readonly' }] },
        },
      };
    }
    const q = rec.query;
    if (rec.path === '/open-apis/contact/v3/users/find_by_department') {
      if (!q.department_id) return fail(400, 40001, 'param error: department_id');
      const d = department(q.department_id, q);
      if (!d) return fail(400, 40008, 'dept Info is null error');
      if (knobs.outOfRange.has(d.key)) return fail(403, 40004, 'no dept authority error');
      const listed = company.membersOf(d.key).filter((p) => p.status !== 'left');
      return page(`users:${d.key}`, listed.map((p) => userObject(p, q)), q);
    }
    if (children) {
      const d = department(decodeURIComponent(children[1]!), q);
      if (!d) return fail(400, 40008, 'dept Info is null error');
      if (knobs.outOfRange.has(d.key)) return fail(403, 40004, 'no dept authority error');
      const recursive = q.fetch_child === 'true';
      if (recursive && knobs.refuseRecursion) return fail(400, 43010, 'big dept forbid recursion error');
      const list = recursive ? descendants(d.key) : company.childrenOf(d.key);
      return page(`children:${d.key}:${recursive}`, list.map((c) => departmentObject(c, q)), q);
    }
    if (userGet) {
      const p = personById.get(decodeURIComponent(userGet[1]!));
      if (!p) return fail(400, 41012, 'user id invalid error');
      return ok({ user: userObject(p, q) });
    }
    if (deptGet) {
      const d = department(decodeURIComponent(deptGet[1]!), q);
      if (!d) return fail(400, 40015, 'department not exist');
      if (knobs.outOfRange.has(d.key)) return fail(403, 40004, 'no dept authority error');
      return ok({ department: departmentObject(d, q) });
    }
    return undefined;
  }

  return {
    ids,
    knobs,
    /** Answers a contact API request; false when the path is not one of ours. */
    handle(rec: Request, res: ServerResponse): boolean {
      const a = answer(rec);
      if (!a) return false;
      res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8', ...a.headers });
      res.end(JSON.stringify(a.body));
      return true;
    },
  };
}

export type FeishuContacts = ReturnType<typeof feishuContacts>;
