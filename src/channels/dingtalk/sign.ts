// DingTalk's HTTP callback signature: headers `timestamp` (ms) and
// `sign` = base64(HMAC-SHA256(key = appSecret, timestamp + "\n" + appSecret)).
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * DingTalk documents one hour as the outer limit (机器人接收消息: a timestamp more than an hour
 * away is illegal). The sign covers only the timestamp, so a leaked header pair works for the
 * whole window: we accept far less by default (DINGTALK_MAX_SKEW_SECONDS, 5 minutes).
 */
export const MAX_SKEW_MS = 60 * 60 * 1000;
export const DEFAULT_SKEW_MS = 5 * 60 * 1000;

export type SignCheck = { ok: true } | { ok: false; reason: string };

export function expectedSign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export function verifySign(timestamp: unknown, sign: unknown, secret: string, now = Date.now(), maxSkewMs = MAX_SKEW_MS): SignCheck {
  if (typeof timestamp !== 'string' || typeof sign !== 'string' || !timestamp || !sign) return { ok: false, reason: 'missing timestamp or sign header' };
  if (!/^\d{10,16}$/.test(timestamp)) return { ok: false, reason: 'timestamp is not milliseconds' };
  const skew = Math.abs(now - Number(timestamp));
  if (skew > maxSkewMs) return { ok: false, reason: `timestamp is ${Math.round(skew / 1000)} s away from now` };
  const want = Buffer.from(expectedSign(timestamp, secret));
  // Some proxies URL-encode the header; accept both spellings of the same value.
  const got = Buffer.from(sign.includes('%') ? safeDecode(sign) : sign);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return { ok: false, reason: 'sign does not match' };
  return { ok: true };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
