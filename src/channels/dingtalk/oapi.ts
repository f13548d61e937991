// DingTalk's old "oapi" host (oapi.dingtalk.com), where the contact APIs live: a token from
// GET /gettoken (cached like the open API's, see token-cache.ts), POST /topapi/... with
// ?access_token=, and `{errcode, errmsg, sub_code, result}` replies turned into one error type.
import type { DingtalkApiOptions } from './api.js';
import { DingtalkTokenCache } from './token-cache.js';

/** The same settings as the open API client; `baseUrl` is the oapi host (DINGTALK_OAPI_BASE_URL). */
export type DingtalkOapiOptions = DingtalkApiOptions;

interface OapiReply {
  errcode?: number;
  errmsg?: string;
  sub_code?: string;
  sub_msg?: string;
  result?: unknown;
}

/** errcode 88 carries the real reason in sub_code (60011: no permission). */
const AUTH_ERRCODE = 88;
/** The token is invalid or expired (as errcode, or as errcode 88's sub_code): refetch once. */
const BAD_TOKEN = new Set(['40014', '42001']);

/** A failed oapi call: DingTalk's errcode (and sub_code), or an HTTP / network failure. */
export class DingtalkOapiError extends Error {
  constructor(
    readonly path: string,
    /** errcode as a string, errcode 88's sub_code, `http_<status>` or `network`. */
    readonly code: string,
    message: string,
    /** Not DingTalk's answer but the way to it (network, 5xx). */
    readonly transport = false,
  ) {
    super(`dingtalk ${path}: ${code} ${message}`.trim());
    this.name = 'DingtalkOapiError';
  }
}

export class DingtalkOapi {
  private readonly base: string;
  private readonly tokens: DingtalkTokenCache;

  constructor(private readonly o: DingtalkOapiOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.tokens = new DingtalkTokenCache({ redis: o.redis, key: `${o.prefix}:dingtalk:oapi-token:${o.clientId}`, fetch: () => this.fetchToken(), log: o.log });
  }

  /** POSTs `body` to `path` with the token; answers `result`. A refused token is refetched once. */
  async post<T>(path: string, body: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.get();
      const reply = await this.request('POST', `${path}?access_token=${encodeURIComponent(token)}`, body);
      const err = errorOf(path, reply);
      if (!err) return reply.result as T;
      if (attempt === 0 && BAD_TOKEN.has(err.code)) {
        this.o.log.info({ path, code: err.code }, 'dingtalk oapi: access token refused, fetching a new one');
        await this.tokens.drop(token);
        continue;
      }
      throw err;
    }
  }

  private async fetchToken(): Promise<{ token: string; expiresInSeconds: number }> {
    const q = new URLSearchParams({ appkey: this.o.clientId, appsecret: this.o.clientSecret });
    const reply = (await this.request('GET', `/gettoken?${q}`)) as OapiReply & { access_token?: unknown; expires_in?: unknown };
    const err = errorOf('/gettoken', reply);
    if (err) throw err;
    if (typeof reply.access_token !== 'string') throw new DingtalkOapiError('/gettoken', 'no_token', 'no access_token in reply');
    return { token: reply.access_token, expiresInSeconds: typeof reply.expires_in === 'number' ? reply.expires_in : 7200 };
  }

  private async request(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<OapiReply> {
    const path = pathAndQuery.split('?')[0]!;
    let res: Response;
    try {
      res = await fetch(`${this.base}${pathAndQuery}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new DingtalkOapiError(path, 'network', (err as Error).message, true);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new DingtalkOapiError(path, `http_${res.status}`, text.slice(0, 200), res.status >= 500 || res.status === 429);
    try {
      return JSON.parse(text) as OapiReply;
    } catch {
      // The per-IP flood guard answers a page that is not JSON: treat it as a transport failure.
      throw new DingtalkOapiError(path, 'not_json', text.slice(0, 200), true);
    }
  }
}

function errorOf(path: string, r: OapiReply): DingtalkOapiError | undefined {
  const code = r.errcode ?? 0;
  if (code === 0) return undefined;
  if (code === AUTH_ERRCODE && r.sub_code) return new DingtalkOapiError(path, String(r.sub_code), r.sub_msg ?? r.errmsg ?? '');
  return new DingtalkOapiError(path, String(code), r.errmsg ?? '');
}
