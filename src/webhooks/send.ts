// One signed POST to a webhook endpoint. The connection goes to the address the pinned lookup
// checked; a literal IP host is checked here (no lookup runs for it). 3xx counts as a failure:
// redirects are not followed. The response body is read (bounded) and discarded.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { addressAllowed } from '../core/webhooks/address.js';
import { signWebhook } from '../core/webhooks/signature.js';
import { hostOf, pinnedLookup, TargetRefused } from './target.js';

export const USER_AGENT = 'Qianpi-Webhooks/1';

export interface SendInput {
  url: string;
  secret: string;
  eventId: string;
  eventType: string;
  deliveryId: number;
  body: string;
  /** Unix seconds (the signature's timestamp). */
  timestamp: number;
}

/** The headers of one delivery: the signature over `<timestamp>.<body>`, the event id as idempotency key. */
export function webhookHeaders(i: SendInput): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'user-agent': USER_AGENT,
    'idempotency-key': i.eventId,
    'x-qianpi-event-id': i.eventId,
    'x-qianpi-event': i.eventType,
    'x-qianpi-delivery': String(i.deliveryId),
    'x-qianpi-timestamp': String(i.timestamp),
    'x-qianpi-signature': signWebhook(i.secret, i.timestamp, i.body),
  };
}

/** POSTs the delivery; resolves with the HTTP status, rejects on a network error, timeout or refused target. */
export function postWebhook(i: SendInput, opts: { allowPrivate: boolean; timeoutMs: number }): Promise<number> {
  const url = new URL(i.url);
  const host = hostOf(url);
  if (isIP(host)) {
    const v = addressAllowed(host, opts.allowPrivate);
    if (!v.ok) return Promise.reject(new TargetRefused(`host ${host} is not allowed: ${v.reason}`));
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: webhookHeaders(i), lookup: pinnedLookup(opts.allowPrivate), agent: false, timeout: opts.timeoutMs }, (res: IncomingMessage) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 64 * 1024) res.destroy();
      });
      res.on('close', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(i.body);
  });
}
