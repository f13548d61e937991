// Feishu's third-party approval (三方审批) for the fake Feishu server, as documented
// (docs/channels/feishu.md#approval-centre): external_approvals (create or update by
// approval_code; @i18n@ keys resolved from i18n_resources), external_instances (a full REPLACE
// snapshot: tasks and cc left out are deleted; ids unique across tasks and cc; times as Unix-ms
// strings; task_list ≤ 300), external_instances/check (diff_instances for instances or tasks
// whose update_time differs or that are missing), and knobs for the documented errors: 1395001
// (one instance synced too often), 99991400 + HTTP 429 (the app's 50/s). `act` plays an approver
// pressing 同意 / 拒绝 in the centre: it posts the documented callback (with the definition's
// token, encrypted with its key when it has one) to our callback URL.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

interface Request {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
}
type Obj = Record<string, unknown>;

export interface FakeTask {
  task_id: string;
  open_id?: string;
  status: string;
  update_time: string;
  title?: string;
  action_configs?: Array<{ action_type: string }>;
}
export interface FakeInstance {
  approval_code: string;
  instance_id: string;
  status: string;
  update_time: string;
  title: string;
  task_list: FakeTask[];
  cc_list: Array<{ cc_id: string; open_id?: string }>;
  /** Resolved texts of the last sync (key → value). */
  texts: Record<string, string>;
  /** Every status this instance was synced with, in order. */
  history: string[];
  syncs: number;
}

const digits = /^\d+$/;

export function feishuApproval() {
  const definitions = new Map<string, Obj>();
  const instances = new Map<string, FakeInstance>();
  const knobs = { tooOften: 0, rateLimited: 0 };
  let syncCalls = 0;

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const invalid = (res: ServerResponse, msg: string) => json(res, 400, { code: 1390001, msg: `param is invalid: ${msg}` });

  function texts(b: Obj): Record<string, string> | string {
    const res = b.i18n_resources as Array<{ locale?: string; is_default?: boolean; texts?: Array<{ key: string; value: string }> }> | undefined;
    if (!Array.isArray(res) || !res.length) return 'i18n_resources is required';
    if (!res.some((r) => r.is_default)) return 'one i18n resource must be the default';
    const out: Record<string, string> = {};
    for (const r of res) for (const x of r.texts ?? []) out[x.key] = x.value;
    return out;
  }
  const needsKey = (v: unknown, dict: Record<string, string>, field: string): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !v.startsWith('@i18n@')) return `${field} must be an @i18n@ key`;
    if (!(v in dict)) return `${field}: ${v} has no text in i18n_resources`;
    return undefined;
  };

  function createInstance(b: Obj, res: ServerResponse) {
    syncCalls++;
    if (knobs.rateLimited > 0) {
      knobs.rateLimited--;
      res.writeHead(429, { 'content-type': 'application/json', 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': '1' });
      return res.end(JSON.stringify({ code: 99991400, msg: 'request trigger frequency limit' }));
    }
    if (typeof b.approval_code !== 'string' || !definitions.has(b.approval_code)) return invalid(res, 'approval_code');
    if (typeof b.instance_id !== 'string' || !b.instance_id) return invalid(res, 'instance_id');
    if (!['PENDING', 'APPROVED', 'REJECTED', 'CANCELED', 'DELETED', 'HIDDEN', 'TERMINATED'].includes(String(b.status))) return invalid(res, 'status');
    for (const f of ['start_time', 'end_time', 'update_time']) if (typeof b[f] !== 'string' || !digits.test(b[f])) return invalid(res, `${f} must be a Unix ms string`);
    const links = b.links as Obj | undefined;
    if (!links || (typeof links.pc_link !== 'string' && typeof links.mobile_link !== 'string')) return invalid(res, 'links');
    if (!b.open_id && !b.user_id && !b.user_name) return invalid(res, 'open_id or user_id of the initiator');
    const dict = texts(b);
    if (typeof dict === 'string') return invalid(res, dict);
    const tasks = (b.task_list ?? []) as Obj[];
    const cc = (b.cc_list ?? []) as Obj[];
    if (!Array.isArray(tasks) || tasks.length > 300) return invalid(res, 'task_list (at most 300)');
    const ids = new Set<string>([b.instance_id]);
    for (const tk of tasks) {
      if (typeof tk.task_id !== 'string' || ids.has(tk.task_id)) return invalid(res, `task_id ${String(tk.task_id)} missing or not unique`);
      ids.add(tk.task_id);
      if (!tk.open_id && !tk.user_id) return invalid(res, 'task open_id or user_id');
      if (!['PENDING', 'APPROVED', 'REJECTED', 'TRANSFERRED', 'DONE'].includes(String(tk.status))) return invalid(res, 'task status');
      for (const f of ['create_time', 'end_time']) if (typeof tk[f] !== 'string' || !digits.test(tk[f])) return invalid(res, `task ${f}`);
      const bad = needsKey(tk.title, dict, 'task title') ?? needsKey(tk.node_name, dict, 'node_name');
      if (bad) return invalid(res, bad);
      for (const a of (tk.action_configs ?? []) as Obj[]) {
        const e = needsKey(a.action_name, dict, 'action_name');
        if (e) return invalid(res, e);
      }
    }
    for (const c of cc) {
      if (typeof c.cc_id !== 'string' || ids.has(c.cc_id)) return invalid(res, `cc_id ${String(c.cc_id)} missing or not unique`);
      ids.add(c.cc_id);
    }
    const bad = needsKey(b.title, dict, 'title');
    if (bad) return invalid(res, bad);
    if (knobs.tooOften > 0) {
      knobs.tooOften--;
      return json(res, 400, { code: 1395001, msg: 'There have been some errors. Please try again later' });
    }
    if (b.update_mode !== undefined && b.update_mode !== 'REPLACE') return invalid(res, 'the fake speaks REPLACE only');
    const prev = instances.get(b.instance_id);
    const inst: FakeInstance = {
      approval_code: b.approval_code,
      instance_id: b.instance_id,
      status: String(b.status),
      update_time: b.update_time as string,
      title: typeof b.title === 'string' ? (dict[b.title] ?? b.title) : '',
      task_list: tasks.map((tk) => ({
        task_id: tk.task_id as string,
        ...(typeof tk.open_id === 'string' ? { open_id: tk.open_id } : {}),
        status: String(tk.status),
        update_time: typeof tk.update_time === 'string' ? tk.update_time : (tk.create_time as string),
        ...(typeof tk.title === 'string' ? { title: dict[tk.title] ?? tk.title } : {}),
        ...(Array.isArray(tk.action_configs) ? { action_configs: tk.action_configs as Array<{ action_type: string }> } : {}),
      })),
      cc_list: cc.map((c) => ({ cc_id: c.cc_id as string, ...(typeof c.open_id === 'string' ? { open_id: c.open_id } : {}) })),
      texts: dict,
      history: [...(prev?.history ?? []), String(b.status)],
      syncs: (prev?.syncs ?? 0) + 1,
    };
    instances.set(inst.instance_id, inst);
    return json(res, 200, { code: 0, msg: 'success', data: { data: b } });
  }

  function check(b: Obj, res: ServerResponse) {
    const list = b.instances as Array<{ instance_id: string; update_time: string; tasks?: Array<{ task_id: string; update_time: string }> }> | undefined;
    if (!Array.isArray(list)) return invalid(res, 'instances');
    const diff = [];
    for (const i of list) {
      const have = instances.get(i.instance_id);
      const tasks = (i.tasks ?? []).filter((tk) => have?.task_list.find((x) => x.task_id === tk.task_id)?.update_time !== tk.update_time);
      if (!have || have.update_time !== i.update_time || tasks.length) diff.push({ instance_id: i.instance_id, update_time: have?.update_time ?? '0', tasks: tasks.map((tk) => ({ task_id: tk.task_id, update_time: tk.update_time })) });
    }
    return json(res, 200, { code: 0, msg: 'success', data: { diff_instances: diff } });
  }

  function handle(rec: Request, res: ServerResponse): boolean {
    const b = (rec.body ?? {}) as Obj;
    if (rec.method === 'POST' && rec.path === '/open-apis/approval/v4/external_approvals') {
      if (typeof b.approval_code !== 'string' || !b.approval_code) return invalid(res, 'approval_code'), true;
      const dict = texts(b);
      if (typeof dict === 'string') return invalid(res, dict), true;
      const bad = needsKey(b.approval_name, dict, 'approval_name') ?? needsKey(b.group_name, dict, 'group_name');
      if (bad) return invalid(res, bad), true;
      const ext = b.external as Obj | undefined;
      if (!ext) return invalid(res, 'external'), true;
      if (ext.action_callback_url !== undefined && (typeof ext.action_callback_url !== 'string' || !/^https?:\/\//.test(ext.action_callback_url))) return invalid(res, 'action_callback_url'), true;
      definitions.set(b.approval_code, b);
      json(res, 200, { code: 0, msg: 'success', data: { approval_code: b.approval_code } });
      return true;
    }
    if (rec.method === 'POST' && rec.path === '/open-apis/approval/v4/external_instances') return createInstance(b, res), true;
    if (rec.method === 'POST' && rec.path === '/open-apis/approval/v4/external_instances/check') return check(b, res), true;
    return false;
  }

  /** What an approver sees under 待我审批 (pending tasks by open_id). */
  function pendingFor(openId: string): Array<{ instance: FakeInstance; task: FakeTask }> {
    const out = [];
    for (const instance of instances.values()) for (const task of instance.task_list) if (task.open_id === openId && task.status === 'PENDING') out.push({ instance, task });
    return out;
  }

  /**
   * An approver presses 同意 / 拒绝 on a task in the centre: Feishu posts the documented callback
   * to the definition's action_callback_url (its path on `baseUrl`, the app under test).
   */
  async function act(baseUrl: string, instanceId: string, taskId: string, action: 'APPROVE' | 'REJECT', opts: { reason?: string; userId?: string; token?: string } = {}) {
    const inst = instances.get(instanceId);
    if (!inst) throw new Error(`no instance ${instanceId}`);
    const task = inst.task_list.find((x) => x.task_id === taskId);
    if (!task) throw new Error(`no task ${taskId}`);
    if (task.status !== 'PENDING' || !task.action_configs?.some((a) => a.action_type === action)) throw new Error(`task ${taskId} offers no ${action}`);
    const def = definitions.get(inst.approval_code)!;
    const ext = def.external as Obj;
    const payload = { action_type: action, action_context: instanceId, user_id: opts.userId ?? 'u-fake', approval_code: inst.approval_code, instance_id: instanceId, task_id: taskId, ...(opts.reason ? { reason: opts.reason } : {}), token: opts.token ?? (ext.action_callback_token as string) };
    const key = ext.action_callback_key as string | undefined;
    const body = JSON.stringify(key ? { encrypt: encrypt(JSON.stringify(payload), key) } : payload);
    const url = new URL(new URL(ext.action_callback_url as string).pathname, baseUrl);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as Obj };
  }

  return {
    definitions,
    instances,
    handle,
    pendingFor,
    act,
    get syncCalls() {
      return syncCalls;
    },
    /** The next `n` instance syncs answer 1395001 (the same instance synced too often). */
    tooOftenNext(n: number) {
      knobs.tooOften = n;
    },
    /** The next `n` instance syncs answer HTTP 429 + 99991400 (the app's 50/s). */
    rateLimitNext(n: number) {
      knobs.rateLimited = n;
    },
    /** Feishu lost an instance (the reconcile should find it). */
    forget(instanceId: string) {
      instances.delete(instanceId);
    },
  };
}

/** As Feishu encrypts with the definition's action_callback_key: base64(iv ‖ AES-256-CBC(SHA-256(key))). */
function encrypt(plain: string, key: string): string {
  const k = createHash('sha256').update(key).digest();
  const iv = randomBytes(16);
  const c = createCipheriv('aes-256-cbc', k, iv);
  return Buffer.concat([iv, c.update(plain, 'utf8'), c.final()]).toString('base64');
}

export type FakeFeishuApproval = ReturnType<typeof feishuApproval>;
