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

/**
 * message/send: "taskid has existed or empty or exceed max len" (seen answering a reused
 * task_id: https://developers.weixin.qq.com/community/enterprisewechat/doc/000e8a97798020098fdd7015a51800;
 * the global code list, https://developer.work.weixin.qq.com/document/path/90313, names no cause).
 * Our task ids are never empty nor over 128 bytes, so for us it means "already used".
 */
export const TASK_ID_EXISTS = 42014;

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
