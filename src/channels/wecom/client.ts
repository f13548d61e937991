// A small typed client for the WeCom server API (global fetch): access token handling with one
// refresh-and-retry on an invalid-token errcode, timeouts, and errcode → error mapping.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DeliveryError } from '../channel.js';
import { TOKEN_ERRCODES, TRANSIENT_ERRCODES, WecomApiError } from './errors.js';
import { TokenCache } from './token.js';

export interface WecomReply {
  errcode?: number;
  errmsg?: string;
}

export interface SendReply extends WecomReply {
  msgid?: string;
  response_code?: string;
  invaliduser?: string;
  invalidparty?: string;
  invalidtag?: string;
  unlicenseduser?: string;
}

export interface WecomClientOptions {
  baseUrl: string;
  corpId: string;
  secret: string;
  agentId: number;
  redis: Redis;
  redisPrefix: string;
  log: Logger;
  timeoutMs?: number;
}

export class WecomClient {
  readonly tokens: TokenCache;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly opts: WecomClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.tokens = new TokenCache({
      redis: opts.redis,
      key: `${opts.redisPrefix}:wecom:token:${opts.corpId}:${opts.agentId}`,
      fetchToken: () => this.fetchToken(),
      log: opts.log,
    });
  }

  /** POST a JSON body with the access token; retries once with a fresh token on an invalid-token errcode. */
  post<T extends WecomReply>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, {}, body);
  }

  /** GET with the access token and `query` (the contact APIs); the same token handling as post. */
  get<T extends WecomReply>(path: string, query: Record<string, string>): Promise<T> {
    return this.call<T>('GET', path, query);
  }

  private async call<T extends WecomReply>(method: 'GET' | 'POST', path: string, query: Record<string, string>, body?: unknown): Promise<T> {
    let token = await this.tokens.get();
    for (let attempt = 0; ; attempt++) {
      const q = new URLSearchParams({ access_token: token, ...query });
      const reply = await this.request<T>(method, `${path}?${q}`, body);
      const code = reply.errcode ?? 0;
      if (code === 0) return reply;
      if (TOKEN_ERRCODES.has(code) && attempt === 0) {
        this.opts.log.info({ path, errcode: code }, 'wecom access token refused; refreshing');
        await this.tokens.invalidate(token);
        token = await this.tokens.get();
        continue;
      }
      throw new WecomApiError(path, code, reply.errmsg ?? '');
    }
  }

  private async fetchToken(): Promise<{ token: string; expiresIn: number }> {
    const q = new URLSearchParams({ corpid: this.opts.corpId, corpsecret: this.opts.secret });
    const reply = await this.request<WecomReply & { access_token?: string; expires_in?: number }>('GET', `/cgi-bin/gettoken?${q}`);
    const code = reply.errcode ?? 0;
    if (code !== 0 || !reply.access_token) {
      // A wrong corp id or secret will not fix itself; busy/throttled will.
      throw new DeliveryError(`WeCom gettoken failed: errcode ${code} ${reply.errmsg ?? ''}`.trim(), !TRANSIENT_ERRCODES.has(code), code);
    }
    return { token: reply.access_token, expiresIn: reply.expires_in ?? 7200 };
  }

  private async request<T>(method: 'GET' | 'POST', pathAndQuery: string, body?: unknown): Promise<T> {
    const path = pathAndQuery.split('?')[0] ?? pathAndQuery;
    let res: Response;
    try {
      res = await fetch(`${this.base}${pathAndQuery}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new DeliveryError(`WeCom ${path} unreachable: ${(err as Error).message}`, false);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new DeliveryError(`WeCom ${path} answered HTTP ${res.status}`, res.status < 500 && res.status !== 429 && res.status !== 408, res.status);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new DeliveryError(`WeCom ${path} answered something that is not JSON`, false);
    }
  }
}
