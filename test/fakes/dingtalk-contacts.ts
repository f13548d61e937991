// DingTalk's oapi contact APIs for the fake server, serving a generated company as documented
// (docs/channels/directory-research.md §2): GET /gettoken, POST /topapi/v2/department/listsub
// and /get, /topapi/v2/user/list (cursor, size ≤ 100) and /get, all with ?access_token= and
// `{errcode, errmsg, result}` replies. Knobs: departments outside the contact range (88 + 60011),
// no personal-info permission (mobile and email left out), throttling (90002) and the monthly
// quota (90020). DingTalk has no "suspended": such people are listed as active; people who left
// are not listed and user/get answers 60121.
import { createHash } from 'node:crypto';
import type { Company, CompanyDepartment, CompanyPerson } from './company.js';

const ROOT = 1;

export function dingtalkContacts(company: Company, creds: { clientId: string; clientSecret: string }) {
  const ids = {
    department: (key: number) => (key === 0 ? ROOT : 100 + key),
    userId: (key: number) => `dt${String(key).padStart(6, '0')}`,
    unionId: (key: number) => `un${createHash('md5').update(`n${key}`).digest('hex').slice(0, 20)}`,
  };
  const deptById = new Map(company.departments.map((d) => [ids.department(d.key), d]));
  const personById = new Map(company.people.map((p) => [ids.userId(p.key), p]));
  const tokens = new Set<string>();
  let issued = 0;
  let tokensIssued = 0;

  const knobs = {
    /** Departments outside the app's contact range: errcode 88, sub_code 60011. */
    outOfRange: new Set<number>(),
    /** Without the personal-information permission: no mobile, no email. */
    noPersonalInfo: false,
    /** The organisation's monthly quota is used up: every call answers 90020. */
    quotaExhausted: false,
    /** The next `n` contact calls answer `errcode` (90002: global rate limit). */
    throttleNext(n: number, errcode = 90002) {
      throttle = { n, errcode };
    },
    /** Every token issued so far becomes invalid (40014). */
    revokeTokens() {
      tokens.clear();
    },
    reset() {
      knobs.outOfRange.clear();
      knobs.noPersonalInfo = false;
      knobs.quotaExhausted = false;
      throttle = { n: 0, errcode: 90002 };
    },
  };
  let throttle = { n: 0, errcode: 90002 };

  const ok = (result: unknown) => ({ errcode: 0, errmsg: 'ok', result, request_id: `req${++issued}` });
  const noPermission = { errcode: 88, sub_code: '60011', sub_msg: '没有调用该接口的权限', errmsg: 'ding talk error[subcode=60011,submsg=没有调用该接口的权限]' };

  function departmentObject(d: CompanyDepartment, detail: boolean) {
    return {
      dept_id: ids.department(d.key),
      name: d.name,
      ...(d.parent === null ? {} : { parent_id: ids.department(d.parent) }),
      create_dept_group: false,
      auto_add_user: true,
      ...(detail ? { dept_manager_userid_list: d.leaders.map(ids.userId), order: d.key, group_contain_sub_dept: false } : {}),
    };
  }

  function userObject(p: CompanyPerson, inDept?: CompanyDepartment) {
    const manager = p.managerKey === undefined ? undefined : company.people[p.managerKey]!;
    return {
      userid: ids.userId(p.key),
      unionid: ids.unionId(p.key),
      name: p.name,
      avatar: '',
      state_code: '86',
      ...(knobs.noPersonalInfo ? {} : { mobile: p.mobile, hide_mobile: false, email: p.email, org_email: '' }),
      telephone: '',
      job_number: p.employeeNo,
      title: p.title,
      work_place: '',
      remark: '',
      dept_id_list: p.departments.map(ids.department),
      extension: '{}',
      hired_date: 1_600_000_000_000,
      active: p.status !== 'inactive',
      admin: false,
      boss: false,
      ...(inDept ? { leader: inDept.leaders.includes(p.key) } : {}),
      ...(manager ? { manager_userid: ids.userId(manager.key) } : {}),
    };
  }

  function contactCall(path: string, b: Record<string, unknown>): Record<string, unknown> {
    if (knobs.quotaExhausted) return { errcode: 90020, errmsg: '您的企业本月api调用量已超过限制,调用量:10001次,额度:10000次,请登录开发者后台-资源管理-查看用量明细' };
    if (throttle.n > 0) {
      throttle.n--;
      return { errcode: throttle.errcode, errmsg: '服务器请求过快,请稍后重试' };
    }
    if (path === '/topapi/v2/user/get') {
      const p = personById.get(String(b.userid));
      if (!p || p.status === 'left') return { errcode: 60121, errmsg: '找不到该用户' };
      return ok(userObject(p));
    }
    const d = deptById.get(Number(b.dept_id ?? ROOT));
    if (!d) return { errcode: 60003, errmsg: '部门不存在' };
    if (knobs.outOfRange.has(d.key)) return noPermission;
    switch (path) {
      case '/topapi/v2/department/listsub':
        return ok(company.childrenOf(d.key).map((c) => departmentObject(c, false)));
      case '/topapi/v2/department/get':
        return ok(departmentObject(d, true));
      case '/topapi/v2/user/list': {
        const size = Number(b.size);
        const cursor = Number(b.cursor);
        if (!Number.isInteger(size) || size < 1 || size > 100) return { errcode: 400002, errmsg: '无效的参数: size' };
        if (!Number.isInteger(cursor) || cursor < 0) return { errcode: 400002, errmsg: '无效的参数: cursor' };
        const listed = company.membersOf(d.key).filter((p) => p.status !== 'left');
        const more = cursor + size < listed.length;
        return ok({ has_more: more, ...(more ? { next_cursor: cursor + size } : {}), list: listed.slice(cursor, cursor + size).map((p) => userObject(p, d)) });
      }
      default:
        return { errcode: 404, errmsg: `no such api ${path}` };
    }
  }

  return {
    ids,
    knobs,
    get tokensIssued() {
      return tokensIssued;
    },
    /** Answers an oapi request (`undefined` when the path is not one of ours). */
    answer(method: string, path: string, query: Record<string, string>, body: Record<string, unknown>): Record<string, unknown> | undefined {
      if (method === 'GET' && path === '/gettoken') {
        if (query.appkey !== creds.clientId || query.appsecret !== creds.clientSecret) return { errcode: 40089, errmsg: '不合法的corpid或corpsecret' };
        const token = `oapi-${++issued}-${Math.random().toString(36).slice(2, 8)}`;
        tokens.add(token);
        tokensIssued++;
        return { errcode: 0, access_token: token, errmsg: 'ok', expires_in: 7200 };
      }
      if (!path.startsWith('/topapi/')) return undefined;
      if (method !== 'POST') return { errcode: 43002, errmsg: '需要POST请求' };
      if (!query.access_token || !tokens.has(query.access_token)) return { errcode: 40014, errmsg: '不合法的access_token' };
      return contactCall(path, body);
    },
  };
}

export type DingtalkContacts = ReturnType<typeof dingtalkContacts>;
