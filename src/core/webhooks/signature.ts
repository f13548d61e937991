// The webhook signature, as documented for receivers (README, docs/architecture.md): hex
// HMAC-SHA256 with the endpoint's secret over `<timestamp>.<raw body>`, sent as
// `X-Qianpi-Signature: v1=<hex>` next to `X-Qianpi-Timestamp: <unix seconds>`. A receiver
// recomputes it over the bytes it received and refuses a timestamp more than 5 minutes away.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_VERSION = 'v1';
/** How far a receiver should accept a timestamp from its own clock. */
export const MAX_SKEW_SECONDS = 300;

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `${SIGNATURE_VERSION}=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The receiver's check (used by our tests as a receiver would). */
export function verifyWebhook(secret: string, headers: { timestamp: string | undefined; signature: string | undefined }, body: string, nowSeconds: number): boolean {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts) || Math.abs(nowSeconds - ts) > MAX_SKEW_SECONDS) return false;
  const want = Buffer.from(signWebhook(secret, ts, body));
  // A signature header may list several (a secret being rotated): any one that matches counts.
  return headers.signature.split(',').some((given) => {
    const g = Buffer.from(given.trim());
    return g.length === want.length && timingSafeEqual(g, want);
  });
}
