// DingTalk's HTTP callback signature: headers `timestamp` (ms) and
// `sign` = base64(HMAC-SHA256(key = appSecret, timestamp + "\n" + appSecret)).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** DingTalk's documented window: refuse timestamps more than one hour away from now. */
export const MAX_SKEW_MS = 60 * 60 * 1000;

export type SignCheck = { ok: true } | { ok: false; reason: string };

export function expectedSign(timestamp: string, secret: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
}

export function verifySign(timestamp: unknown, sign: unknown, secret: string, now = Date.now()): SignCheck {
  if (typeof timestamp !== 'string' || typeof sign !== 'string' || !timestamp || !sign) return { ok: false, reason: 'missing timestamp or sign header' };
  if (!/^\d{10,16}$/.test(timestamp)) return { ok: false, reason: 'timestamp is not milliseconds' };
  const skew = Math.abs(now - Number(timestamp));
  if (skew > MAX_SKEW_MS) return { ok: false, reason: `timestamp is ${Math.round(skew / 1000)} s away from now` };
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
