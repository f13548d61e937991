// A fake Feishu OpenAPI for tests: tenant tokens, message create / PATCH, bot info, and the
// long-connection endpoint (`/callback/ws/endpoint` + a WebSocket speaking the SDK's protobuf
// frames). It records every request, checks request shapes the way Feishu does, and has knobs
// to revoke tokens (→ 99991663) and inject failures.
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Company } from './company.js';
import { feishuContacts } from './feishu-contacts.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** Arrival time, ms. */
  at: number;
}

export interface StoredMessage {
  messageId: string;
  receiveIdType: string;
  receiveId: string;
  msgType: string;
  content: string;
  uuid?: string;
  patches: string[];
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

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const invalidParam = (res: ServerResponse, msg: string) => json(res, 400, { code: 230001, msg: `invalid param: ${msg}` });

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
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, at: Date.now() };
      requests.push(rec);
      const inj = injected.findIndex((i) => (!i.method || i.method === rec.method) && (!i.path || i.path.test(rec.path)));
      if (inj >= 0) {
        const [{ reply }] = injected.splice(inj, 1) as [{ reply: Reply }];
        if (reply === 'drop') return req.socket.destroy();
        return json(res, reply.status, reply.body);
      }
      route(rec, req, res);
    });
  });

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
      if (b.msg_type === 'interactive' && Buffer.byteLength(b.content) > 30 * 1024) return json(res, 400, { code: 230025, msg: 'card content too large' });
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
      if (typeof b.content !== 'string' || !parseCard(b.content)) return invalidParam(res, 'content');
      const original = parseCard(m.content)!;
      if ((original.config as { update_multi?: boolean } | undefined)?.update_multi !== true) return json(res, 400, { code: 230099, msg: 'card is not shared (config.update_multi)' });
      m.patches.push(b.content);
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
    get tokensIssued() {
      return tokensIssued;
    },
    /** Every token issued so far becomes invalid: the next API call answers code 99991663. */
    revokeTokens(httpStatus = 200) {
      validTokens.clear();
      tokenInvalidStatus = httpStatus;
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
