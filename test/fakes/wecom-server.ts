// A fake WeCom server API (qyapi.weixin.qq.com) on 127.0.0.1: gettoken, message/send,
// message/update_template_card and appchat/send; with a company, the contact APIs too
// (wecom-contacts.ts). It records every request, checks request
// shapes the way WeCom documents them, issues single-use response codes, and has knobs to
// inject errors (invalid tokens, busy, used or expired codes).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Company } from './company.js';
import { latency, minute, RateLimitLog, type Realism } from './rate-limits.js';
import { wecomContacts, type WecomContacts } from './wecom-contacts.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | undefined;
  /** What the fake answered. */
  reply: Record<string, unknown>;
}

export interface FakeWecomOptions {
  corpId: string;
  secret: string;
  agentId: number;
  /** Known member ids; others get errcode 81013. Undefined = everyone exists. */
  users?: ReadonlySet<string>;
  /** Chats created by the app. Undefined = every chat exists. */
  chats?: ReadonlySet<string>;
  /** Serve this company through the contact APIs. */
  company?: Company;
  /** Latency per call and the documented rate limits (rate-limits.ts); off by default. */
  realism?: Realism;
}

interface Code {
  userId: string;
  taskId: string;
  used: boolean;
  issuedAt: number;
}

const TASK_ID_RE = /^[A-Za-z0-9_\-@]{1,128}$/;

export class FakeWecomServer {
  readonly requests: RecordedRequest[] = [];
  /** Shape problems found in requests (a test asserts this stays empty). */
  readonly problems: string[] = [];
  readonly codes = new Map<string, Code>();
  readonly taskIds = new Set<string>();
  private readonly validTokens = new Set<string>();
  private server: Server | undefined;
  private injected: Array<{ path: string; errcode: number; errmsg: string; times: number }> = [];
  private lost: Array<{ path: string; times: number }> = [];
  /** Calls admitted and refused under the documented rate limits (with `realism.limits`). */
  readonly limits = new RateLimitLog();
  /** Milliseconds of artificial latency per API call. */
  latencyMs = 0;
  url = '';
  /** The contact APIs' ids and knobs (when started with a company). */
  readonly contacts: WecomContacts | undefined;

  constructor(readonly opts: FakeWecomOptions) {
    this.contacts = opts.company ? wecomContacts(opts.company) : undefined;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const addr = this.server.address();
    this.url = typeof addr === 'object' && addr ? `http://127.0.0.1:${addr.port}` : '';
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  calls(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Every access token issued so far stops working (WeCom answers 42001). */
  expireTokens(): void {
    this.validTokens.clear();
  }

  /** The next `times` calls to `path` answer `errcode`. */
  failNext(path: string, errcode: number, times = 1, errmsg = 'injected'): void {
    this.injected.push({ path, errcode, errmsg, times });
  }

  /** The next `times` calls to `path` are carried out, but their reply is lost (the connection drops). */
  loseNextReply(path: string, times = 1): void {
    this.lost.push({ path, times });
  }

  /** Mark a response code as used, as if another update spent it. */
  useCode(code: string): void {
    const c = this.codes.get(code);
    if (c) c.used = true;
  }

  /** Issue a fresh code for a click by `userId` on the card `taskId` (what a callback carries). */
  issueCode(userId: string, taskId: string): string {
    const code = `rc_${randomBytes(9).toString('base64url')}`;
    this.codes.set(code, { userId, taskId, used: false, issuedAt: Date.now() });
    return code;
  }

  reset(): void {
    this.requests.length = 0;
    this.problems.length = 0;
    this.injected = [];
    this.lost = [];
  }

  private check(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> | undefined;
    if (raw) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        body = undefined;
        this.problems.push(`${u.pathname}: body is not JSON`);
      }
    }
    const query = Object.fromEntries(u.searchParams);
    // Each API may be called 10,000 times a minute per corp; beyond, errcode 45009
    // (https://developer.work.weixin.qq.com/document/path/90312, docs/channels/wecom.md).
    const limited = this.opts.realism?.limits && u.pathname !== '/cgi-bin/gettoken' && this.limits.admit([minute(u.pathname, 10_000)]);
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    await latency(this.opts.realism);
    const reply = limited ? { errcode: 45009, errmsg: 'api freq out of limit' } : this.answer(req.method ?? 'GET', u.pathname, query, body);
    this.requests.push({ method: req.method ?? 'GET', path: u.pathname, query, body, reply });
    const lose = this.lost.find((l) => l.path === u.pathname && l.times > 0);
    if (lose) {
      lose.times--;
      res.socket?.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(reply));
  }

  private answer(method: string, path: string, q: Record<string, string>, b: Record<string, unknown> | undefined): Record<string, unknown> {
    if (path === '/cgi-bin/gettoken') {
      this.check(method === 'GET', 'gettoken must be GET');
      if (q.corpid !== this.opts.corpId) return { errcode: 40013, errmsg: 'invalid corpid' };
      if (q.corpsecret !== this.opts.secret) return { errcode: 40001, errmsg: 'invalid credential' };
      const token = `tok_${randomBytes(12).toString('hex')}`;
      this.validTokens.add(token);
      return { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 };
    }
    if (!q.access_token) return { errcode: 41001, errmsg: 'access_token missing' };
    if (!this.validTokens.has(q.access_token)) return { errcode: 42001, errmsg: 'access_token expired' };
    const inj = this.injected.find((i) => i.path === path && i.times > 0);
    if (inj) {
      inj.times--;
      return { errcode: inj.errcode, errmsg: inj.errmsg };
    }
    const contact = method === 'GET' ? this.contacts?.answer(path, q) : undefined;
    if (contact) return contact;
    if (method !== 'POST' || !b) return { errcode: 40063, errmsg: 'POST with a JSON body expected' };
    if (b.agentid !== undefined) this.check(b.agentid === this.opts.agentId, `${path}: agentid ${String(b.agentid)} is not ${this.opts.agentId}`);
    switch (path) {
      case '/cgi-bin/message/send':
        return this.send(b);
      case '/cgi-bin/message/update_template_card':
        return this.update(b);
      case '/cgi-bin/appchat/send':
        return this.appchat(b);
      default:
        return { errcode: 404, errmsg: `no such api ${path}` };
    }
  }

  private send(b: Record<string, unknown>): Record<string, unknown> {
    const touser = b.touser;
    this.check(typeof touser === 'string' && touser.length > 0 && !touser.includes('|'), 'message/send: touser must be one user id');
    this.check(typeof b.agentid === 'number', 'message/send: agentid must be a number');
    const user = String(touser);
    if (this.opts.users && !this.opts.users.has(user)) return { errcode: 81013, errmsg: 'user & party & tag all invalid' };
    if (b.msgtype === 'text') {
      const content = (b.text as { content?: unknown } | undefined)?.content;
      this.check(typeof content === 'string' && content.length > 0 && Buffer.byteLength(content) <= 2048, 'message/send: text.content must be 1..2048 bytes');
      return { errcode: 0, errmsg: 'ok', invaliduser: '', msgid: `msg_${randomBytes(6).toString('hex')}` };
    }
    if (b.msgtype !== 'template_card') return { errcode: 40008, errmsg: 'invalid message type' };
    const card = b.template_card as Record<string, unknown> | undefined;
    const err = this.checkCard(card, 'message/send', 'send');
    if (err) return err;
    const taskId = card!.task_id === undefined ? undefined : String(card!.task_id);
    // A task_id is unique per app for ever: WeCom refuses a reused one with 42014.
    if (taskId !== undefined && this.taskIds.has(taskId)) return { errcode: 42014, errmsg: 'taskid has existed or empty or exceed max len' };
    if (taskId !== undefined) this.taskIds.add(taskId);
    const msgid = `msg_${randomBytes(6).toString('hex')}`;
    // Only callback cards (button_interaction, vote, multiple) come back with a response_code.
    if (card!.card_type !== 'button_interaction') return { errcode: 0, errmsg: 'ok', invaliduser: '', msgid };
    const code = `rc_${randomBytes(9).toString('base64url')}`;
    this.codes.set(code, { userId: user, taskId: taskId!, used: false, issuedAt: Date.now() });
    return { errcode: 0, errmsg: 'ok', invaliduser: '', msgid, response_code: code };
  }

  /**
   * The template card as message/send (https://developer.work.weixin.qq.com/document/path/90236)
   * and update_template_card (https://developer.work.weixin.qq.com/document/path/94888) document
   * it. What WeCom refuses answers an errcode; what it only cuts or ignores (text beyond the
   * advised lengths, fields of the other API) is a problem the tests assert away.
   */
  private checkCard(card: Record<string, unknown> | undefined, where: string, api: 'send' | 'update'): Record<string, unknown> | undefined {
    if (!card) return { errcode: 40058, errmsg: 'template_card missing' };
    const type = card.card_type;
    if (type !== 'button_interaction' && type !== 'text_notice') return { errcode: 40058, errmsg: `card_type ${String(type)} not supported here` };
    const chars = (v: unknown) => (typeof v === 'string' ? [...v].length : 0);
    const within = (v: unknown, max: number, what: string) => this.check(chars(v) <= max, `${where}: ${what} longer than ${max} characters (the client cuts it)`);
    const main = card.main_title as { title?: unknown; desc?: unknown } | undefined;
    this.check(typeof main?.title === 'string' && main.title.length > 0, `${where}: main_title.title required`);
    within(main?.title, 36, 'main_title.title');
    within(main?.desc, 44, 'main_title.desc');
    within(card.sub_title_text, 160, 'sub_title_text');
    within((card.source as { desc?: unknown } | undefined)?.desc, 20, 'source.desc');
    if (type === 'button_interaction' || card.task_id !== undefined) {
      this.check(typeof card.task_id === 'string' && TASK_ID_RE.test(card.task_id), `${where}: task_id must be ≤128 bytes of [A-Za-z0-9_-@]`);
      if (typeof card.task_id !== 'string' || !TASK_ID_RE.test(card.task_id)) return { errcode: 42014, errmsg: 'taskid has existed or empty or exceed max len' };
    }
    const items = (card.horizontal_content_list ?? []) as Array<Record<string, unknown>>;
    this.check(Array.isArray(items) && items.length <= 6, `${where}: horizontal_content_list has more than 6 items`);
    for (const it of items) {
      this.check(typeof it.keyname === 'string' && it.keyname.length > 0, `${where}: horizontal item without keyname`);
      within(it.keyname, 5, 'horizontal_content_list.keyname');
      within(it.value, 30, 'horizontal_content_list.value');
      if (it.type === 1) this.check(typeof it.url === 'string', `${where}: link item without url`);
    }
    if (api === 'send') this.check(card.replace_text === undefined, `${where}: replace_text is not a field of message/send (update_template_card only)`);
    const action = card.card_action as { type?: unknown; url?: unknown } | undefined;
    if (type === 'text_notice') {
      // card_action is required for text_notice: a url (1) or a mini program (2).
      if (!action || (action.type !== 1 && action.type !== 2) || (action.type === 1 && typeof action.url !== 'string')) return { errcode: 40058, errmsg: 'text_notice needs card_action' };
      this.check(card.button_list === undefined, `${where}: text_notice has no button_list`);
      return undefined;
    }
    const buttons = card.button_list as Array<Record<string, unknown>> | undefined;
    // button_list is required for button_interaction in message/send (1..6 buttons).
    if (api === 'send' && (!Array.isArray(buttons) || buttons.length === 0)) return { errcode: 40058, errmsg: 'button_list required for button_interaction' };
    this.check(Array.isArray(buttons) && buttons.length <= 6, `${where}: button_list must be an array of ≤ 6`);
    const keys = new Set<string>();
    for (const btn of buttons ?? []) {
      this.check(typeof btn.text === 'string' && btn.text.length > 0, `${where}: button without text`);
      within(btn.text, 10, 'button text');
      this.check([1, 2, 3, 4].includes(btn.style as number), `${where}: button style must be 1..4`);
      if (btn.type === 1) {
        this.check(typeof btn.url === 'string', `${where}: url button without url`);
        continue;
      }
      const key = btn.key;
      this.check(typeof key === 'string' && key.length > 0 && Buffer.byteLength(key) <= 1024, `${where}: button key must be 1..1024 bytes`);
      this.check(!keys.has(String(key)), `${where}: duplicate button key`);
      keys.add(String(key));
    }
    if (!buttons?.length) this.check(typeof card.replace_text === 'string', `${where}: a card without buttons needs replace_text`);
    within(card.replace_text, 20, 'replace_text');
    return undefined;
  }

  private update(b: Record<string, unknown>): Record<string, unknown> {
    const userids = b.userids;
    this.check(Array.isArray(userids) && userids.length === 1, 'update_template_card: userids must list the one recipient');
    this.check(typeof b.response_code === 'string', 'update_template_card: response_code required');
    this.check(b.template_card !== undefined || b.button !== undefined, 'update_template_card: template_card or button required');
    if (b.template_card) {
      const err = this.checkCard(b.template_card as Record<string, unknown>, 'update_template_card', 'update');
      if (err) return err;
    }
    const code = this.codes.get(String(b.response_code));
    if (!code) return { errcode: 40058, errmsg: 'invalid response_code' };
    if (code.used) return { errcode: 42022, errmsg: 'code has been used' };
    if (Date.now() - code.issuedAt > 72 * 3600 * 1000) return { errcode: 42022, errmsg: 'code expired' };
    const tc = b.template_card as { task_id?: unknown } | undefined;
    if (tc) this.check(tc.task_id === code.taskId, 'update_template_card: task_id differs from the card the code belongs to');
    this.check(Array.isArray(userids) && userids[0] === code.userId, 'update_template_card: code belongs to another user');
    code.used = true;
    return { errcode: 0, errmsg: 'ok' };
  }

  private appchat(b: Record<string, unknown>): Record<string, unknown> {
    this.check(typeof b.chatid === 'string' && b.chatid.length > 0, 'appchat/send: chatid required');
    if (this.opts.chats && !this.opts.chats.has(String(b.chatid))) return { errcode: 86003, errmsg: 'chatid not exist' };
    this.check(b.msgtype === 'text' || b.msgtype === 'markdown', `appchat/send: msgtype ${String(b.msgtype)} (template_card is not supported by app chats)`);
    const content = ((b[String(b.msgtype)] ?? {}) as { content?: unknown }).content;
    this.check(typeof content === 'string' && content.length > 0 && Buffer.byteLength(content) <= 2048, 'appchat/send: content must be 1..2048 bytes');
    return { errcode: 0, errmsg: 'ok' };
  }
}

// ---- Callbacks as WeCom sends them, built from the documented scheme with node:crypto only
// (AES-256-CBC, key = base64(EncodingAESKey + "="), IV = key[0..16], plaintext = random(16) +
// length(4, big-endian) + message + receive id, PKCS#7 to 32-byte blocks; signature = SHA-1
// of the sorted [token, timestamp, nonce, encrypt]).
export interface CallbackKeys {
  token: string;
  encodingAESKey: string;
  corpId: string;
}

export function wecomEncrypt(encodingAESKey: string, message: string, receiveId: string, random = randomBytes(16)): string {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  const msg = Buffer.from(message, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(msg.length, 0);
  const plain = Buffer.concat([random, len, msg, Buffer.from(receiveId, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

export function wecomDecrypt(encodingAESKey: string, encrypted: string): { message: string; receiveId: string } {
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const plain = padded.subarray(0, padded.length - padded[padded.length - 1]!);
  const len = plain.readUInt32BE(16);
  return { message: plain.subarray(20, 20 + len).toString('utf8'), receiveId: plain.subarray(20 + len).toString('utf8') };
}

export const wecomSignature = (token: string, timestamp: string, nonce: string, encrypt: string) =>
  createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');

/** A POST callback: URL query and XML body, as WeCom would send `innerXml`. */
export function sealCallback(
  keys: CallbackKeys,
  innerXml: string,
  opts: { receiveId?: string; timestamp?: number; nonce?: string; agentId?: number; toUser?: string } = {},
): { query: string; body: string; encrypt: string } {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = opts.nonce ?? String(Math.floor(Math.random() * 1e10));
  const encrypt = wecomEncrypt(keys.encodingAESKey, innerXml, opts.receiveId ?? keys.corpId);
  const signature = wecomSignature(keys.token, timestamp, nonce, encrypt);
  const body =
    `<xml><ToUserName><![CDATA[${opts.toUser ?? keys.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt>` +
    `<AgentID><![CDATA[${opts.agentId ?? ''}]]></AgentID></xml>`;
  const query = `msg_signature=${signature}&timestamp=${timestamp}&nonce=${encodeURIComponent(nonce)}`;
  return { query, body, encrypt };
}

/** The GET URL check: `echostr` is the encrypted random string WeCom expects back in clear. */
export function sealUrlCheck(keys: CallbackKeys, echo: string, opts: { receiveId?: string; timestamp?: number } = {}): string {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e10));
  const echostr = wecomEncrypt(keys.encodingAESKey, echo, opts.receiveId ?? keys.corpId);
  const signature = wecomSignature(keys.token, timestamp, nonce, echostr);
  return `msg_signature=${signature}&timestamp=${timestamp}&nonce=${nonce}&echostr=${encodeURIComponent(echostr)}`;
}

export const textXml = (p: { corpId: string; from: string; content: string; msgId: string; agentId: number; createTime?: number }) =>
  `<xml><ToUserName><![CDATA[${p.corpId}]]></ToUserName><FromUserName><![CDATA[${p.from}]]></FromUserName>` +
  `<CreateTime>${p.createTime ?? Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
  `<Content><![CDATA[${p.content}]]></Content><MsgId>${p.msgId}</MsgId><AgentID>${p.agentId}</AgentID></xml>`;

export const cardEventXml = (p: { corpId: string; from: string; eventKey: string; taskId: string; responseCode: string; agentId: number; createTime: number }) =>
  `<xml><ToUserName><![CDATA[${p.corpId}]]></ToUserName><FromUserName><![CDATA[${p.from}]]></FromUserName>` +
  `<CreateTime>${p.createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event>` +
  `<EventKey><![CDATA[${p.eventKey}]]></EventKey><TaskId><![CDATA[${p.taskId}]]></TaskId><CardType><![CDATA[button_interaction]]></CardType>` +
  `<ResponseCode><![CDATA[${p.responseCode}]]></ResponseCode><AgentID>${p.agentId}</AgentID></xml>`;

/** Reads an encrypted passive reply and checks its signature. */
export function openReply(keys: CallbackKeys, xml: string): { message: string; receiveId: string; signatureOk: boolean } {
  const pick = (tag: string) => new RegExp(`<${tag}>(?:<!\\[CDATA\\[)?(.*?)(?:\\]\\]>)?</${tag}>`, 's').exec(xml)?.[1] ?? '';
  const encrypt = pick('Encrypt');
  const signatureOk = wecomSignature(keys.token, pick('TimeStamp'), pick('Nonce'), encrypt) === pick('MsgSignature');
  return { ...wecomDecrypt(keys.encodingAESKey, encrypt), signatureOk };
}
