// WeCom answers HTTP 200 with an `errcode`; this is how each code is treated. Retrying helps
// only when WeCom was busy or throttled us; everything else (unknown user, bad parameter,
// missing permission) needs a person to fix something.
import { DeliveryError } from '../channel.js';

/** The access token is invalid or expired: refresh it and retry once. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([
  40014, // 不合法的access_token
  42001, // access_token已过期
  40001, // 不合法的secret / invalid credential (some gateways report a stale token this way)
]);

/** Worth retrying later with backoff. */
export const TRANSIENT_ERRCODES: ReadonlySet<number> = new Set([
  -1, // 系统繁忙
  6000, // 数据版本冲突
  45009, // 接口调用超过限制 (frequency limit)
  45033, // 接口并发调用超过限制
]);

export class WecomApiError extends Error {
  constructor(
    readonly path: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeCom ${path} failed: errcode ${errcode} ${errmsg}`);
    this.name = 'WecomApiError';
  }

  get transient(): boolean {
    return TRANSIENT_ERRCODES.has(this.errcode) || TOKEN_ERRCODES.has(this.errcode);
  }

  toDeliveryError(): DeliveryError {
    return new DeliveryError(this.message, !this.transient, this.errcode);
  }
}

export function asDeliveryError(err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof WecomApiError) return err.toDeliveryError();
  return new DeliveryError(`WeCom call failed: ${(err as Error)?.message ?? String(err)}`, false);
}
