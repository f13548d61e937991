// A fake Feishu OpenAPI for tests: tenant tokens, message create / PATCH, bot info, and the
// long-connection endpoint (`/callback/ws/endpoint` + a WebSocket speaking the SDK's protobuf
// frames). It records every request, checks request shapes the way Feishu does, and has knobs
// to revoke tokens (→ 99991663) and inject failures.
//
// Where Feishu's documentation is clear it is as strict as Feishu (docs/channels/feishu.md,
// "Conformance"): a card or rich-text request body over 30 KB is refused with 230025 (send and
// PATCH); a PATCH of a message sent more than 14 days ago with 230031 (`ageMessage` moves a
// message back in time); a card whose form-container buttons carry `behaviors`, lack a `name`
// or `form_action_type`, or repeat a name, with 230099. `clickAction` builds the `action` of the
// `card.action.trigger` callback Feishu would send for a button of a stored card.
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Company } from './company.js';
import { feishuApproval } from './feishu-approval.js';
import { feishuContacts } from './feishu-contacts.js';
import { latency, minute, RateLimitLog, second, type LimitWindow, type Realism } from './rate-limits.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** Arrival time, ms. */
  at: number;
  /** Size of the request body as it arrived, bytes. */
  bytes: number;
}

export interface StoredMessage {
  messageId: string;
  receiveIdType: string;
  receiveId: string;
  msgType: string;
  content: string;
  uuid?: string;
  patches: string[];
  /** When each PATCH was applied (ms). */
  patchedAt: number[];
  /** When Feishu took the message, ms (ageMessage moves it back). */
  createdAt: number;
}

/** Feishu: "卡片及富文本消息请求体最大不能超过30KB" (send and PATCH), else 230025. */
export const FEISHU_BODY_LIMIT = 30 * 1024;
/** Feishu: a message can be updated only within 14 days of sending, else 230031. */
export const FEISHU_PATCH_WINDOW_MS = 14 * 24 * 3600_000;

type CardEl = Record<string, unknown>;

/** Why Feishu would refuse this card JSON 2.0 (as far as the docs say), or undefined. */
export function cardProblem(card: CardEl): string | undefined {
  if (card.schema !== '2.0') return undefined;
  const names = new Set<string>();
  let problem: string | undefined;
  const visit = (v: unknown, inForm: boolean, atRoot: boolean) => {
    if (problem) return;
    if (Array.isArray(v)) return v.forEach((x) => visit(x, inForm, atRoot));
    if (!v || typeof v !== 'object') return;
    const el = v as CardEl;
    const tag = el.tag;
    if (typeof tag === 'string' && typeof el.name === 'string' && tag !== 'plain_text') {
      if (names.has(el.name)) return (problem = `component name "${el.name}" is not unique in the card`);
      names.add(el.name);
    }
    if (tag === 'form') {
      if (!atRoot || inForm) return (problem = 'a form container may only sit at the root of the card body');
      if (typeof el.name !== 'string' || !el.name) return (problem = 'a form container needs a name');
    }
    if (tag === 'button' && inForm) {
      if (el.behaviors !== undefined) return (problem = `form button "${String(el.name)}" carries behaviors; buttons in a form use name and form_action_type`);
      if (typeof el.name !== 'string' || !el.name) return (problem = 'a button in a form needs a name');
      if (el.form_action_type !== 'submit' && el.form_action_type !== 'reset') return (problem = `form button "${el.name}" needs form_action_type submit or reset`);
    }
    for (const [k, child] of Object.entries(el)) if (k === 'elements' || k === 'columns') visit(child, inForm || tag === 'form', false);
  };
  visit((card.body as CardEl | undefined)?.elements, false, true);
  return problem;
}

/** Every button of a card with whether it sits in a form (and that form's inputs by name). */
function buttonsOf(card: CardEl): Array<{ button: CardEl; form?: CardEl[] }> {
  const out: Array<{ button: CardEl; form?: CardEl[] }> = [];
  const visit = (v: unknown, form: CardEl[] | undefined) => {
    if (Array.isArray(v)) return v.forEach((x) => visit(x, form));
    if (!v || typeof v !== 'object') return;
    const el = v as CardEl;
    if (el.tag === 'button') out.push({ button: el, ...(form ? { form } : {}) });
    const inner = el.tag === 'form' ? [] : form;
    for (const [k, child] of Object.entries(el)) if (k === 'elements' || k === 'columns') visit(child, inner);
    if (el.tag === 'form' && inner) {
      const collect = (x: unknown) => {
        if (Array.isArray(x)) return x.forEach(collect);
        if (!x || typeof x !== 'object') return;
        const c = x as CardEl;
        if (c.tag !== 'button' && typeof c.name === 'string') inner.push(c);
        for (const [k, child] of Object.entries(c)) if (k === 'elements' || k === 'columns') collect(child);
      };
      collect(el.elements);
    }
  };
  visit((card.body as CardEl | undefined)?.elements, undefined);
  return out;
}

type Reply = { status: number; body: unknown } | 'drop';

export interface FakeFeishuOptions {
  appId: string;
  appSecret: string;
  botOpenId?: string;
  /** ws endpoint: server-pushed ping interval (seconds). */
  pingIntervalSec?: number;
  /** Serve this company through the contact v3 APIs (feishu-contacts.ts). */
  company?: Company;
  /** Latency per call and the documented rate limits (rate-limits.ts); off by default. */
  realism?: Realism;
}

// --- minimal protobuf for the SDK's pbbp2.Frame (fields 1-4 varint, 5 headers, 8 payload) ---
export interface Frame {
  SeqID: number;
  LogID: number;
  service: number;
  method: number;
  headers: Array<{ key: string; value: string }>;
  payload?: Uint8Array;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const lenField = (no: number, bytes: Uint8Array | number[]) => [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes];
const strBytes = (s: string) => [...Buffer.from(s, 'utf8')];

export function encodeFrame(f: Frame): Buffer {
  const out: number[] = [];
  out.push(...varint(1 << 3), ...varint(f.SeqID), ...varint(2 << 3), ...varint(f.LogID), ...varint(3 << 3), ...varint(f.service), ...varint(4 << 3), ...varint(f.method));
  for (const h of f.headers) out.push(...lenField(5, [...lenField(1, strBytes(h.key)), ...lenField(2, strBytes(h.value))]));
  if (f.payload) out.push(...lenField(8, f.payload));
  return Buffer.from(out);
}

function readVarint(b: Uint8Array, pos: number): [number, number] {
  let n = 0;
  let mul = 1;
  for (;;) {
    const byte = b[pos++]!;
    n += (byte & 0x7f) * mul;
    if (byte < 0x80) return [n, pos];
    mul *= 128;
  }
}

function fields(b: Uint8Array): Array<{ no: number; value: number | Uint8Array }> {
  const out: Array<{ no: number; value: number | Uint8Array }> = [];
  let pos = 0;
  while (pos < b.length) {
    const [tag, p1] = readVarint(b, pos);
    const no = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const [v, p2] = readVarint(b, p1);
      out.push({ no, value: v });
      pos = p2;
    } else if (wire === 2) {
      const [len, p2] = readVarint(b, p1);
      out.push({ no, value: b.subarray(p2, p2 + len) });
      pos = p2 + len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

export function decodeFrame(b: Uint8Array): Frame {
  const f: Frame = { SeqID: 0, LogID: 0, service: 0, method: 0, headers: [] };
  for (const { no, value } of fields(b)) {
    if (no === 1) f.SeqID = value as number;
    else if (no === 2) f.LogID = value as number;
    else if (no === 3) f.service = value as number;
    else if (no === 4) f.method = value as number;
    else if (no === 5) {
      const h = fields(value as Uint8Array);
      const str = (n: number) => Buffer.from((h.find((x) => x.no === n)?.value as Uint8Array) ?? []).toString('utf8');
      f.headers.push({ key: str(1), value: str(2) });
    } else if (no === 8) f.payload = value as Uint8Array;
  }
  return f;
}

const header = (f: Frame, key: string) => f.headers.find((h) => h.key === key)?.value;

// --- the server ---
export async function startFakeFeishu(opts: FakeFeishuOptions) {
  const requests: RecordedRequest[] = [];
  const messages = new Map<string, StoredMessage>();
  const byUuid = new Map<string, string>();
  const validTokens = new Set<string>();
  let tokensIssued = 0;
  let tokenInvalidStatus = 200;
  const injected: Array<{ method?: string; path?: RegExp; reply: Reply }> = [];
  let seq = 0;
  const contacts = opts.company ? feishuContacts(opts.company) : undefined;
  const approval = feishuApproval();

  const limits = new RateLimitLog();
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  };
  const invalidParam = (res: ServerResponse, msg: string) => json(res, 400, { code: 230001, msg: `invalid param: ${msg}` });
  const tooLong = (res: ServerResponse) => json(res, 400, { code: 230025, msg: 'The length of the message content reaches its limit.' });
  // Feishu adds its own card error code and message after "ext="; these are ours (unconfirmed).
  const cardFailed = (res: ServerResponse, why: string) => json(res, 400, { code: 230099, msg: `Failed to create card content, ext=ErrMsg: ${why};` });

  function authorised(req: IncomingMessage, res: ServerResponse): boolean {
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!token) {
      json(res, 400, { code: 99991661, msg: 'Missing access token for authorization' });
      return false;
    }
    if (!validTokens.has(token)) {
      json(res, tokenInvalidStatus, { code: 99991663, msg: 'Invalid access token for authorization. Please make a request with token attached.' });
      return false;
    }
    return true;
  }

  function parseCard(content: string): Record<string, unknown> | undefined {
    try {
      const c = JSON.parse(content) as Record<string, unknown>;
      return c && typeof c === 'object' ? c : undefined;
    } catch {
      return undefined;
    }
  }

  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const pending = new Map<string, (resp: { code: number; data?: unknown }) => void>();
  const ws = {
    silencePongs: false,
    pings: 0,
    get connections() {
      return sockets.size;
    },
    /** Pushes one event to a connected client and resolves with the client's answer frame. */
    pushEvent(envelope: unknown, timeoutMs = 5000): Promise<{ code: number; data?: unknown }> {
      const socket = [...sockets][0];
      if (!socket) return Promise.reject(new Error('no ws client connected'));
      const messageId = randomUUID();
      const frame = encodeFrame({
        SeqID: ++seq,
        LogID: seq,
        service: 7,
        method: 1,
        headers: [
          { key: 'type', value: 'event' },
          { key: 'message_id', value: messageId },
          { key: 'sum', value: '1' },
          { key: 'seq', value: '0' },
          { key: 'trace_id', value: `trace-${seq}` },
        ],
        payload: Buffer.from(JSON.stringify(envelope)),
      });
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(messageId);
          reject(new Error('no answer from the ws client'));
        }, timeoutMs);
        pending.set(messageId, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
        socket.send(frame);
      });
    },
    /** Drops every socket without a close frame, like a dead network path. */
    killConnections() {
      for (const s of sockets) s.terminate();
    },
  };

  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (data: Buffer) => {
      const f = decodeFrame(new Uint8Array(data));
      const type = header(f, 'type');
      if (f.method === 0 && type === 'ping') {
        ws.pings++;
        if (ws.silencePongs) return;
        const cfg = { PingInterval: opts.pingIntervalSec ?? 120, ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0 };
        socket.send(encodeFrame({ SeqID: 0, LogID: 0, service: f.service, method: 0, headers: [{ key: 'type', value: 'pong' }], payload: Buffer.from(JSON.stringify(cfg)) }));
        return;
      }
      if (f.method === 1) {
        const id = header(f, 'message_id');
        const resolve = id ? pending.get(id) : undefined;
        if (!resolve || !f.payload) return;
        pending.delete(id!);
        const resp = JSON.parse(Buffer.from(f.payload).toString('utf8')) as { code: number; data?: string };
        resolve({ code: resp.code, ...(resp.data ? { data: JSON.parse(Buffer.from(resp.data, 'base64').toString('utf8')) } : {}) });
      }
    });
  });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, at: Date.now(), bytes: raw.length };
      requests.push(rec);
      const inj = injected.findIndex((i) => (!i.method || i.method === rec.method) && (!i.path || i.path.test(rec.path)));
      if (inj >= 0) {
        const [{ reply }] = injected.splice(inj, 1) as [{ reply: Reply }];
        if (reply === 'drop') return req.socket.destroy();
        return json(res, reply.status, reply.body);
      }
      const limited = opts.realism?.limits ? overLimit(rec) : undefined;
      void latency(opts.realism).then(() => (limited ? json(res, limited.status, limited.body, limited.headers) : route(rec, req, res)));
    });
  });

  /**
   * Feishu's documented limits on the IM APIs: 5 per second to one user or chat (send), 5 per
   * second per message (PATCH), and per API 50/s and 1000/min for the app. Over a per-target or
   * per-message limit Feishu answers 230020; over the app's, HTTP 429 with 99991400 and
   * x-ogw-ratelimit-reset (docs/channels/feishu.md, "Rate limits").
   */
  function overLimit(rec: RecordedRequest): { status: number; body: unknown; headers?: Record<string, string> } | undefined {
    const b = (rec.body ?? {}) as Record<string, unknown>;
    const patch = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(rec.path);
    let windows: LimitWindow[];
    if (rec.method === 'POST' && rec.path === '/open-apis/im/v1/messages') windows = [second(`send:${String(b.receive_id)}`, 5), second('api:send', 50), minute('api:send', 1000)];
    else if (rec.method === 'PATCH' && patch) windows = [second(`patch:${patch[1]}`, 5), second('api:patch', 50), minute('api:patch', 1000)];
    else return undefined;
    const broken = limits.admit(windows);
    if (!broken) return undefined;
    if (broken.key.startsWith('api:')) return { status: 429, body: { code: 99991400, msg: 'request trigger frequency limit' }, headers: { 'x-ogw-ratelimit-limit': String(broken.max), 'x-ogw-ratelimit-reset': String(Math.ceil(broken.windowMs / 1000)) } };
    return { status: 400, body: { code: 230020, msg: 'This operation triggers the frequency limit.' } };
  }

  function route(rec: RecordedRequest, req: IncomingMessage, res: ServerResponse) {
    const b = (rec.body ?? {}) as Record<string, unknown>;
    if (rec.method === 'POST' && rec.path === '/open-apis/auth/v3/tenant_access_token/internal') {
      if (b.app_id !== opts.appId || b.app_secret !== opts.appSecret) return json(res, 400, { code: 10014, msg: 'app secret invalid' });
      const token = `t-${++tokensIssued}-${randomUUID().slice(0, 8)}`;
      validTokens.add(token);
      return json(res, 200, { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 });
    }
    if (rec.method === 'POST' && rec.path === '/callback/ws/endpoint') {
      if (b.AppID !== opts.appId || b.AppSecret !== opts.appSecret) return json(res, 200, { code: 514, msg: 'auth failed', data: {} });
      const { port } = server.address() as AddressInfo;
      const cfg = { PingInterval: opts.pingIntervalSec ?? 120, ReconnectCount: -1, ReconnectInterval: 1, ReconnectNonce: 0 };
      return json(res, 200, { code: 0, msg: 'ok', data: { URL: `ws://127.0.0.1:${port}/ws?device_id=dev-1&service_id=7`, ClientConfig: cfg } });
    }
    if (!rec.path.startsWith('/open-apis/')) return json(res, 404, { code: 404, msg: 'not found' });
    if (!authorised(req, res)) return;
    if (contacts?.handle(rec, res)) return;
    if (approval.handle(rec, res)) return;
    if (rec.method === 'GET' && rec.path === '/open-apis/bot/v3/info') {
      return json(res, 200, { code: 0, msg: 'ok', bot: { open_id: opts.botOpenId ?? 'ou_bot', app_name: 'qianpi', activate_status: 2 } });
    }
    if (rec.method === 'POST' && rec.path === '/open-apis/im/v1/messages') {
      const type = rec.query.receive_id_type;
      if (!type || !['open_id', 'chat_id', 'user_id', 'union_id', 'email'].includes(type)) return invalidParam(res, 'receive_id_type');
      if (typeof b.receive_id !== 'string' || !b.receive_id) return invalidParam(res, 'receive_id');
      if (typeof b.msg_type !== 'string' || !['text', 'interactive', 'post'].includes(b.msg_type)) return invalidParam(res, 'msg_type');
      if (typeof b.content !== 'string') return invalidParam(res, 'content must be a JSON string');
      const content = parseCard(b.content);
      if (!content) return invalidParam(res, 'content is not JSON');
      if (b.msg_type === 'text' && typeof content.text !== 'string') return invalidParam(res, 'text content');
      if ((b.msg_type === 'interactive' || b.msg_type === 'post') && rec.bytes > FEISHU_BODY_LIMIT) return tooLong(res);
      const problem = b.msg_type === 'interactive' ? cardProblem(content) : undefined;
      if (problem) return cardFailed(res, problem);
      if (b.uuid !== undefined && (typeof b.uuid !== 'string' || b.uuid.length > 50)) return invalidParam(res, 'uuid');
      // Same uuid within the hour: the same message, not a second one.
      const seen = typeof b.uuid === 'string' ? byUuid.get(b.uuid) : undefined;
      const existing = seen ? messages.get(seen) : undefined;
      const m: StoredMessage = existing ?? {
        messageId: `om_${randomUUID().replace(/-/g, '')}`,
        receiveIdType: type,
        receiveId: b.receive_id,
        msgType: b.msg_type,
        content: b.content,
        ...(typeof b.uuid === 'string' ? { uuid: b.uuid } : {}),
        patches: [],
        patchedAt: [],
        createdAt: Date.now(),
      };
      if (!existing) {
        messages.set(m.messageId, m);
        if (m.uuid) byUuid.set(m.uuid, m.messageId);
      }
      return json(res, 200, { code: 0, msg: 'success', data: { message_id: m.messageId, msg_type: m.msgType, chat_id: type === 'chat_id' ? m.receiveId : 'oc_p2p', create_time: String(Date.now()) } });
    }
    const patch = /^\/open-apis\/im\/v1\/messages\/([^/]+)$/.exec(rec.path);
    if (rec.method === 'PATCH' && patch) {
      const m = messages.get(patch[1]!);
      if (!m) return json(res, 400, { code: 230011, msg: 'message not found' });
      if (m.msgType !== 'interactive') return json(res, 400, { code: 230001, msg: 'only card messages can be patched' });
      if (rec.bytes > FEISHU_BODY_LIMIT) return tooLong(res);
      if (typeof b.content !== 'string' || !parseCard(b.content)) return invalidParam(res, 'content');
      if (Date.now() - m.createdAt > FEISHU_PATCH_WINDOW_MS) return json(res, 400, { code: 230031, msg: 'Message has expired when updating message, ext=Message can only be updated within fourteen days.' });
      const problem = cardProblem(parseCard(b.content)!);
      if (problem) return cardFailed(res, problem);
      const original = parseCard(m.content)!;
      if ((original.config as { update_multi?: boolean } | undefined)?.update_multi !== true) return json(res, 400, { code: 230099, msg: 'card is not shared (config.update_multi)' });
      m.patches.push(b.content);
      m.patchedAt.push(Date.now());
      m.content = b.content;
      return json(res, 200, { code: 0, msg: 'success', data: {} });
    }
    return json(res, 404, { code: 404, msg: `no route ${rec.method} ${rec.path}` });
  }

  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/ws')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (s) => wss.emit('connection', s, req));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messages,
    ws,
    /** The contact APIs' ids and knobs (when started with a company). */
    contacts,
    /** Calls admitted and refused under the documented rate limits (with `realism.limits`). */
    limits,
    /** Third-party approval (审批中心): definitions, instances, knobs, and `act` for the centre's buttons. */
    approval,
    get tokensIssued() {
      return tokensIssued;
    },
    /** Every token issued so far becomes invalid: the next API call answers code 99991663. */
    revokeTokens(httpStatus = 200) {
      validTokens.clear();
      tokenInvalidStatus = httpStatus;
    },
    /** Moves a stored message `ms` back in time (Feishu refuses a PATCH after 14 days). */
    ageMessage(messageId: string, ms: number) {
      const m = messages.get(messageId);
      if (!m) throw new Error(`no message ${messageId}`);
      m.createdAt -= ms;
    },
    /**
     * The `action` of the card.action.trigger callback Feishu sends when someone presses the first
     * button of a stored card that `pick` accepts: a callback button sends its behaviour's value;
     * a button in a form sends its name and the form's values (`formValue`), and no value.
     */
    clickAction(messageId: string, pick: (button: Record<string, unknown>) => boolean, formValue: Record<string, unknown> = {}): Record<string, unknown> {
      const m = messages.get(messageId);
      if (!m) throw new Error(`no message ${messageId}`);
      const hit = buttonsOf(parseCard(m.content) ?? {}).find((x) => pick(x.button));
      if (!hit) throw new Error(`no such button on ${messageId}`);
      if (hit.form) {
        const known = new Set(hit.form.map((e) => e.name));
        const unknown = Object.keys(formValue).filter((k) => !known.has(k));
        if (unknown.length) throw new Error(`the form has no input ${unknown.join(', ')}`);
        return { tag: 'button', name: hit.button.name, form_value: formValue };
      }
      const callback = (hit.button.behaviors as Array<{ type: string; value?: unknown }> | undefined)?.find((x) => x.type === 'callback');
      if (!callback) throw new Error('the button has no callback behaviour');
      return { tag: 'button', value: callback.value, ...(typeof hit.button.name === 'string' ? { name: hit.button.name } : {}) };
    },
    /** The next request matching answers `reply` (or the connection drops). */
    failNext(match: { method?: string; path?: RegExp }, reply: Reply) {
      injected.push({ ...match, reply });
    },
    apiRequests(path: RegExp) {
      return requests.filter((r) => path.test(r.path));
    },
    reset() {
      requests.length = 0;
      injected.length = 0;
      limits.reset();
    },
    async close() {
      for (const s of sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export type FakeFeishu = Awaited<ReturnType<typeof startFakeFeishu>>;

// --- test-side crypto: builds what Feishu would send, from the documented algorithm only ---
/** `{encrypt}` value: base64(iv ‖ AES-256-CBC(key = SHA-256(encryptKey), iv, PKCS#7)). */
export function feishuEncrypt(plain: string, encryptKey: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

/** The three signature headers over the exact body bytes. */
export function feishuSignHeaders(body: string | Buffer, encryptKey: string, opts: { timestamp?: number; nonce?: string } = {}): Record<string, string> {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? randomBytes(8).toString('hex');
  const signature = createHash('sha256')
    .update(timestamp + nonce + encryptKey)
    .update(body)
    .digest('hex');
  return { 'x-lark-request-timestamp': timestamp, 'x-lark-request-nonce': nonce, 'x-lark-signature': signature };
}
