// The Feishu OpenAPI through the official SDK, with our own tenant-token cache: the SDK's cache
// has no single-flight and no way to drop a token Feishu has declared invalid (code 99991663,
// which Feishu answers with HTTP 200). Every call gets a timeout and maps failures to
// DeliveryError: transient for network, 5xx and rate limits, permanent for everything else.
import { Client, LoggerLevel, defaultHttpInstance, withTenantToken, type HttpInstance, type HttpRequestOptions } from '@larksuiteoapi/node-sdk';
import type { Logger } from 'pino';
import { DeliveryError } from '../channel.js';

/** Tenant token rejected: refetch once and retry. */
const TOKEN_INVALID = new Set([99991663]);
/** App-level (99991400) and per-chat/user (230020, older 11232) rate limits: retry later. */
const RATE_LIMITED = new Set([99991400, 230020, 11232]);

export interface FeishuApiOptions {
  appId: string;
  appSecret: string;
  baseUrl: string;
  log: Logger;
  timeoutMs?: number;
}

export interface FeishuReply {
  code?: number;
  msg?: string;
  data?: Record<string, unknown>;
  [k: string]: unknown;
}

/** Tenant access token: cached until 5 minutes before expiry, one fetch in flight at a time. */
export class TenantTokens {
  private current: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  constructor(
    private readonly fetchToken: () => Promise<{ token: string; expireSeconds: number }>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.current && this.now() < this.current.refreshAt) return this.current.token;
    this.inflight ??= this.fetchToken()
      .then(({ token, expireSeconds }) => {
        const lead = Math.min(300, expireSeconds / 2);
        this.current = { token, refreshAt: this.now() + (expireSeconds - lead) * 1000 };
        return token;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  /** Drops `token` unless a newer one already replaced it. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }
}

/** The SDK's axios instance with a default timeout (the SDK sets none). */
function withTimeout(base: HttpInstance, timeout: number): HttpInstance {
  const t = <D>(o?: HttpRequestOptions<D>): HttpRequestOptions<D> => ({ timeout, ...o });
  return {
    request: (o) => base.request(t(o)),
    get: (url, o) => base.get(url, t(o)),
    delete: (url, o) => base.delete(url, t(o)),
    head: (url, o) => base.head(url, t(o)),
    options: (url, o) => base.options(url, t(o)),
    post: (url, data, o) => base.post(url, data, t(o)),
    put: (url, data, o) => base.put(url, data, t(o)),
    patch: (url, data, o) => base.patch(url, data, t(o)),
  };
}

interface HttpFailure {
  status?: number;
  body?: FeishuReply;
  network?: string;
  /** `x-ogw-ratelimit-reset`: seconds until a rate limit lifts. */
  resetSeconds?: number;
}

/** A failed call: DeliveryError plus the HTTP status and when Feishu said to retry. */
export class FeishuCallError extends DeliveryError {
  constructor(
    message: string,
    permanent: boolean,
    code: string | number,
    readonly status?: number,
    readonly resetSeconds?: number,
  ) {
    super(message, permanent, code);
  }
}

/** What an axios error says: the HTTP status and Feishu's `{code, msg}` body, or a network code. */
function describeFailure(err: unknown): HttpFailure {
  const e = err as { response?: { status?: number; data?: unknown; headers?: Record<string, unknown> }; code?: string; message?: string };
  if (e?.response) {
    const data = e.response.data;
    const reset = Number(e.response.headers?.['x-ogw-ratelimit-reset']);
    return {
      status: e.response.status,
      ...(data && typeof data === 'object' ? { body: data as FeishuReply } : {}),
      ...(Number.isFinite(reset) && reset >= 0 ? { resetSeconds: reset } : {}),
    };
  }
  return { network: e?.code ?? e?.message ?? 'unknown error' };
}

export function toDeliveryError(op: string, f: HttpFailure): FeishuCallError {
  if (f.network) return new FeishuCallError(`feishu ${op}: ${f.network}`, false, f.network);
  const code = typeof f.body?.code === 'number' ? f.body.code : undefined;
  const msg = typeof f.body?.msg === 'string' ? f.body.msg : '';
  const status = f.status ?? 200;
  // A token still refused after a fresh fetch is most likely Feishu's own hiccup: retry later.
  const transient = status >= 500 || status === 429 || (code !== undefined && (RATE_LIMITED.has(code) || TOKEN_INVALID.has(code)));
  return new FeishuCallError(`feishu ${op}: ${code ?? `HTTP ${status}`} ${msg}`.trim(), !transient, code ?? `http_${status}`, status, f.resetSeconds);
}

export function createFeishuApi(opts: FeishuApiOptions) {
  const log = opts.log;
  const client = new Client({
    appId: opts.appId,
    appSecret: opts.appSecret,
    domain: opts.baseUrl.replace(/\/+$/, ''),
    // We pass the token ourselves (withTenantToken) so we can drop it on 99991663.
    disableTokenCache: true,
    httpInstance: withTimeout(defaultHttpInstance as unknown as HttpInstance, opts.timeoutMs ?? 10_000),
    // The SDK logs failed requests with their bodies (the token request carries the app
    // secret): keep it quiet and log our own DeliveryErrors instead.
    loggerLevel: LoggerLevel.fatal,
    logger: { error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, trace: () => {} },
  });

  /** Calls the SDK, turning both HTTP errors and `code != 0` replies into one shape. */
  async function attempt(fn: () => Promise<FeishuReply>): Promise<{ ok: true; reply: FeishuReply } | { ok: false; failure: HttpFailure }> {
    try {
      const reply = await fn();
      if (reply && typeof reply.code === 'number' && reply.code !== 0) return { ok: false, failure: { status: 200, body: reply } };
      return { ok: true, reply };
    } catch (err) {
      return { ok: false, failure: describeFailure(err) };
    }
  }

  const tokens = new TenantTokens(async () => {
    const r = await attempt(() => client.auth.v3.tenantAccessToken.internal({ data: { app_id: opts.appId, app_secret: opts.appSecret } }) as Promise<FeishuReply>);
    if (!r.ok) throw toDeliveryError('tenant_access_token', r.failure);
    // The SDK's type puts these under `data`; the API returns them at the top level.
    const token = (r.reply.tenant_access_token ?? r.reply.data?.tenant_access_token) as string | undefined;
    const expire = Number(r.reply.expire ?? r.reply.data?.expire ?? 7200);
    if (!token) throw new DeliveryError('feishu tenant_access_token: no token in reply', false, 'no_token');
    return { token, expireSeconds: Number.isFinite(expire) && expire > 0 ? expire : 7200 };
  });

  /**
   * One API call with the tenant token; on an invalid-token code, refetch the token once and
   * retry. Throws FeishuCallError for an HTTP error or a reply with `code != 0`.
   */
  async function call(op: string, fn: (auth: ReturnType<typeof withTenantToken>) => Promise<unknown>): Promise<FeishuReply> {
    for (let retry = 0; ; retry++) {
      const token = await tokens.get();
      const r = await attempt(() => fn(withTenantToken(token)) as Promise<FeishuReply>);
      if (r.ok) return r.reply;
      const code = r.failure.body?.code;
      if (retry === 0 && typeof code === 'number' && TOKEN_INVALID.has(code)) {
        log.info({ op, code }, 'feishu tenant token rejected; fetching a new one');
        tokens.invalidate(token);
        continue;
      }
      throw toDeliveryError(op, r.failure);
    }
  }

  return {
    client,
    tokens,
    call,
    async createMessage(m: { receiveIdType: 'open_id' | 'chat_id'; receiveId: string; msgType: 'interactive' | 'text'; content: string; uuid: string }): Promise<{ messageId: string }> {
      const reply = await call('im.v1.message.create', (auth) =>
        client.im.v1.message.create(
          { params: { receive_id_type: m.receiveIdType }, data: { receive_id: m.receiveId, msg_type: m.msgType, content: m.content, uuid: m.uuid } },
          auth,
        ),
      );
      const messageId = reply.data?.message_id;
      if (typeof messageId !== 'string') throw new DeliveryError('feishu im.v1.message.create: no message_id in reply', false, 'no_message_id');
      return { messageId };
    },
    async patchMessage(messageId: string, content: string): Promise<void> {
      await call('im.v1.message.patch', (auth) => client.im.v1.message.patch({ path: { message_id: messageId }, data: { content } }, auth));
    },
    /** The bot's own open_id (GET /open-apis/bot/v3/info), to recognise mentions of it. */
    async botOpenId(): Promise<string | undefined> {
      const reply = await call('bot.v3.info', (auth) => client.request({ method: 'GET', url: '/open-apis/bot/v3/info' }, auth));
      const bot = reply.bot as { open_id?: unknown } | undefined;
      return typeof bot?.open_id === 'string' ? bot.open_id : undefined;
    },
  };
}

export type FeishuApi = ReturnType<typeof createFeishuApi>;
