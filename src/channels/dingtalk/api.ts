// The DingTalk open API (api.dingtalk.com, v1.0): one JSON request helper with the access
// token header, error mapping to DeliveryError, and a token cache shared through Redis.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DeliveryError } from '../channel.js';
import { createRateWindows, perWindow, type RateWindows } from '../rate-windows.js';
import { DingtalkTokenCache } from './token-cache.js';

/**
 * An internal app may call each API 20 times per second (Forbidden.AccessDenied.
 * QpsLimitForAppkeyAndApi beyond, HTTP 403): https://help.dingtalk.io/open/development/call-frequency-limit .
 * Paced per API in Redis, shared by every replica, so a burst of card updates waits its turn
 * instead of being refused.
 */
export const DINGTALK_API_PER_SECOND = 20;

export interface DingtalkApiOptions {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  redis: Redis;
  /** Redis key prefix (deps.redisPrefix). */
  prefix: string;
  log: Logger;
  timeoutMs?: number;
}

/** DingTalk's throttling codes arrive as HTTP 403; they are transient despite the status. */
const THROTTLED = /QpsLimit|TooFast|tooManyVisitors|FlowControl|Throttl/i;
/** A token the API no longer accepts: refetch once, then retry the call. */
const BAD_TOKEN = /InvalidAuthentication|InvalidAccessToken|accessToken.*invalid|token.*expired/i;

export class DingtalkApi {
  private readonly base: string;
  private readonly tokens: DingtalkTokenCache;
  private readonly pace: RateWindows;

  constructor(private readonly o: DingtalkApiOptions) {
    this.base = o.baseUrl.replace(/\/+$/, '');
    this.pace = createRateWindows({ redis: o.redis, log: o.log, maxWaitMs: 10_000 });
    this.tokens = new DingtalkTokenCache({ redis: o.redis, key: `${o.prefix}:dingtalk:token:${o.clientId}`, fetch: () => this.fetchToken(), log: o.log });
  }

  get baseUrl(): string {
    return this.base;
  }

  /** A valid access token (cached in process and Redis). */
  token(): Promise<string> {
    return this.tokens.get();
  }

  private async fetchToken(): Promise<{ token: string; expiresInSeconds: number }> {
    const res = await this.raw('POST', '/v1.0/oauth2/accessToken', { appKey: this.o.clientId, appSecret: this.o.clientSecret });
    const body = res.body as { accessToken?: unknown; expireIn?: unknown };
    if (!res.ok || typeof body.accessToken !== 'string') throw this.errorOf('POST /v1.0/oauth2/accessToken', res);
    return { token: body.accessToken, expiresInSeconds: typeof body.expireIn === 'number' ? body.expireIn : 7200 };
  }

  /** An authenticated call. Throws DeliveryError with DingTalk's code on failure. */
  async call<T = Record<string, unknown>>(method: 'POST' | 'PUT', path: string, body: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token();
      await this.pace.acquire([perWindow(`${this.o.prefix}:dingtalk:pace:api:${method} ${path}`, DINGTALK_API_PER_SECOND, 1)], `dingtalk ${method} ${path}`);
      const res = await this.raw(method, path, body, { 'x-acs-dingtalk-access-token': token });
      if (res.ok) return res.body as T;
      const err = this.errorOf(`${method} ${path}`, res);
      if (attempt === 0 && (res.status === 401 || BAD_TOKEN.test(String(err.code)))) {
        this.o.log.info({ path, code: err.code }, 'dingtalk: access token refused, fetching a new one');
        await this.tokens.drop(token);
        continue;
      }
      throw err;
    }
  }

  /** An unauthenticated JSON request (token, gateway lookup). Network errors are transient. */
  async raw(method: string, path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<{ ok: boolean; status: number; body: unknown }> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(this.o.timeoutMs ?? 10_000)]) : AbortSignal.timeout(this.o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new DeliveryError(`dingtalk ${method} ${path}: ${(err as Error).message}`, false, 'network');
    }
    const text = await res.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    return { ok: res.ok, status: res.status, body: parsed };
  }

  /** 5xx, network and throttling are worth retrying; other 4xx are not. */
  errorOf(what: string, res: { status: number; body: unknown }): DeliveryError {
    const b = (res.body ?? {}) as { code?: unknown; message?: unknown };
    const code = typeof b.code === 'string' || typeof b.code === 'number' ? b.code : `http_${res.status}`;
    const message = typeof b.message === 'string' ? b.message : '';
    const transient = res.status >= 500 || res.status === 429 || THROTTLED.test(String(code));
    return new DeliveryError(`dingtalk ${what} failed: HTTP ${res.status} ${code}${message ? ` ${message}` : ''}`, !transient, code);
  }
}
