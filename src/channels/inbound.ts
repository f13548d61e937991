// The platform-neutral inbound event: what every receiver (HTTP webhook, long connection,
// simulator) turns a platform message into before it is acknowledged and queued.
import type { ActionValue } from '../../cards/model.js';
import type { Platform } from '../org/schema.js';
import type { AttachmentRef } from '../core/fields/index.js';
import { sanitizeInput } from '../core/parse/types.js';

export { sanitizeInput };

interface InboundBase {
  platform: Platform;
  /** The platform's own event id (Feishu event_id, WeCom MsgId…): the dedupe and idempotency key. */
  eventId: string;
  receivedAt: string;
  /** The platform's user id of the sender / clicker. */
  senderId: string;
  senderName?: string;
}

export interface InboundMessage extends InboundBase {
  kind: 'message';
  chat: { type: 'dm' | 'group'; id: string };
  text: string;
  /** In groups the bot only answers when mentioned. */
  mentioned: boolean;
  /** Platform details a reply may need (DingTalk sessionWebhook…). */
  reply?: Record<string, string>;
  /** Files the person sent, already stored by the receiver (the simulator's upload). */
  attachments?: AttachmentRef[];
}

export interface InboundCardAction extends InboundBase {
  kind: 'card_action';
  action: ActionValue;
  /** Form inputs (card forms) or the reason typed for reject / send back. */
  form?: Record<string, string>;
  /** Where the clicked card lives: lets a channel refresh exactly that copy. */
  message?: { messageId?: string; trackId?: string; chatId?: string };
  /** WeCom: the single-use code from this click, usable to update this clicker's card. */
  responseCode?: string;
}

export type InboundEvent = InboundMessage | InboundCardAction;

/**
 * Whether a message is for the bot: every message of a DM, in a group only one that mentions it.
 * The normalisers drop (or mark) the rest early; the router asks again of every event it gets.
 */
export const addressedToBot = (chat: InboundMessage['chat']['type'], mentioned: boolean): boolean => chat === 'dm' || mentioned;

/** Deeper than any InboundEvent our normalisers build (event → form / message / reply → value). */
const MAX_DEPTH = 4;

/**
 * Every string of an event (text, form keys and values, reasons, ids) through the one input
 * normaliser, before the event is acked: a NUL or a lone surrogate would otherwise be acked and
 * then fail every insert the worker tries. Anything nested deeper than an event can be is dropped.
 */
export function sanitizeEvent<E extends InboundEvent>(event: E): E {
  return clean(event, 0) as E;
}

/** A copy only where something changes: most events are clean and pass through as they are. */
function clean(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return sanitizeInput(v);
  if (typeof v !== 'object' || v === null) return v;
  if (depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(v)) {
    const items = v.map((x) => clean(x, depth + 1));
    return items.every((x, i) => x === v[i]) ? v : items;
  }
  let out: Record<string, unknown> | undefined;
  const o = v as Record<string, unknown>;
  for (const k in o) {
    const x = o[k];
    const ck = sanitizeInput(k);
    const cx = clean(x, depth + 1);
    if (!out && (ck !== k || cx !== x)) {
      out = {};
      for (const j in o) {
        if (j === k) break;
        out[j] = o[j];
      }
    }
    if (out) out[ck] = cx;
  }
  return out ?? v;
}

/**
 * Whether a value from a platform payload (card form values, card params) is small and shallow
 * enough to walk: a signed payload may still nest thousands deep, which overflows the stack of
 * any recursive walk (JSON.stringify included). Checked without recursion.
 */
export function withinBounds(v: unknown, maxDepth = 8, maxNodes = 2000): boolean {
  const stack: Array<[unknown, number]> = [[v, 0]];
  let nodes = 1;
  while (stack.length) {
    const [x, depth] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (depth >= maxDepth) return false;
    const children = Array.isArray(x) ? x : Object.values(x);
    nodes += children.length;
    if (nodes > maxNodes) return false;
    for (const c of children) stack.push([c, depth + 1]);
  }
  return true;
}
