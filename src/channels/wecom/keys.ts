// What a WeCom card carries back on a click: the button `key` (EventKey, ≤ 1024 bytes, unique
// within a card) and the card's `task_id` (TaskId, ≤ 128 bytes of [A-Za-z0-9_\-@], unique per
// app for ever). Both are built here so the sender and the receiver agree on them.
import { createHash } from 'node:crypto';
import { decodeAction, type ActionValue } from '../../../cards/model.js';

export const MAX_KEY_BYTES = 1024;
export const TASK_ID_RE = /^[A-Za-z0-9_\-@]{1,128}$/;

const VERSION = 'q1';

export interface ButtonKey {
  action: ActionValue;
  /** The button asks for a reason (reject, send back): WeCom cards have no inputs, so the bot asks. */
  needsReason: boolean;
}

const enc = (s: string | undefined) => (s === undefined ? '' : encodeURIComponent(s));

/**
 * `q1|<index>|<flags>|<a>|<r>|<s>|<t>`, each part URI-encoded so `|` never occurs inside one.
 * About 100 bytes for a UUID request id, far below the 1024-byte limit; the index keeps two
 * buttons with the same action distinct (WeCom refuses duplicate keys in one card).
 */
export function encodeButtonKey(action: ActionValue, opts: { index: number; needsReason?: boolean }): string {
  const key = [VERSION, String(opts.index), opts.needsReason ? 'R' : '', enc(action.a), enc(action.r), enc(action.s), enc(action.t)].join('|');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new Error(`button key too long (${Buffer.byteLength(key)} bytes)`);
  return key;
}

export function decodeButtonKey(key: string): ButtonKey | undefined {
  if (!key || Buffer.byteLength(key) > MAX_KEY_BYTES) return undefined;
  // Keys from encodeAction (plain JSON) are accepted too.
  if (key.startsWith('{')) {
    const action = decodeAction(key);
    return action ? { action, needsReason: false } : undefined;
  }
  const parts = key.split('|');
  if (parts.length !== 7 || parts[0] !== VERSION) return undefined;
  let dec: string[];
  try {
    dec = parts.map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
  const [, , flags, a, r, s, t] = dec;
  const raw: Record<string, string> = { a: a ?? '' };
  if (r) raw.r = r;
  if (s) raw.s = s;
  if (t) raw.t = t;
  const action = decodeAction(raw);
  if (!action || !action.a) return undefined;
  return { action, needsReason: flags === 'R' };
}

/**
 * A task_id unique per card and recipient, derived (not random) so a retried send of the same
 * card to the same recipient reuses it and WeCom refuses the duplicate instead of posting twice.
 */
export function taskIdFor(requestId: string, target: { type: string; id: string }, idempotencyKey: string): string {
  const head = requestId.replace(/[^A-Za-z0-9]/g, '').slice(0, 40) || 'x';
  const digest = createHash('sha256').update(`${requestId}\n${target.type}\n${target.id}\n${idempotencyKey}`).digest('base64url').slice(0, 22);
  return `qp_${head}_${digest}`;
}
