// Feishu envelopes (v2 `{schema, header, event}`, v1 `{uuid, token, type, event}`) → the neutral
// InboundEvent. Shared by the webhook receiver and the long connection, so both produce the
// same events for the same platform traffic. Pure: no I/O.
import { decodeAction } from '../../../cards/model.js';
import { addressedToBot, withinBounds, type InboundCardAction, type InboundEvent, type InboundMessage } from '../inbound.js';
import { localStamp } from '../../core/time-zone.js';
import { actionFromName } from './form-names.js';

export type Normalised =
  | { kind: 'event'; event: InboundEvent }
  | { kind: 'ignore'; reason: string }
  | { kind: 'invalid'; reason: string }
  /** An authentic card click whose value is not one of ours (an old card, another deployment's): answered with a toast. */
  | { kind: 'stale'; reason: string };

export interface NormaliseContext {
  /** The bot's own open_id, when known: tells a mention of the bot from a mention of a person. */
  botOpenId?: string;
  /** The organisation's time zone: card date pickers answer "2026-05-20 15:30 +0800". */
  timezone: string;
  now?: () => Date;
}

type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});

export const MESSAGE_EVENT = 'im.message.receive_v1';
export const CARD_ACTION_EVENT = 'card.action.trigger';

/** The verification token a payload carries (v2 header.token, v1 / url_verification token). */
export function payloadToken(p: Obj): string | undefined {
  return p.schema === '2.0' ? str(obj(p.header).token) : str(p.token);
}

export function normaliseEnvelope(p: Obj, ctx: NormaliseContext): Normalised {
  if (p.schema === '2.0') {
    const header = obj(p.header);
    const eventId = str(header.event_id);
    const type = str(header.event_type);
    if (!eventId || !type) return { kind: 'invalid', reason: 'v2 envelope without header.event_id / header.event_type' };
    if (!isObj(p.event)) return { kind: 'invalid', reason: 'v2 envelope without event' };
    if (type === MESSAGE_EVENT) return messageEvent(eventId, p.event, ctx);
    if (type === CARD_ACTION_EVENT) return cardAction(eventId, p.event, ctx);
    return { kind: 'ignore', reason: `event type ${type}` };
  }
  if (p.type === 'event_callback') return v1Event(p, ctx);
  return { kind: 'invalid', reason: 'neither a v2 envelope nor a v1 event_callback' };
}

const receivedAt = (ctx: NormaliseContext) => (ctx.now?.() ?? new Date()).toISOString();
/** The message id lets a reply thread under the user's message. */
const replyTo = (id: unknown): { reply?: Record<string, string> } => (str(id) ? { reply: { messageId: str(id)! } } : {});

function messageEvent(eventId: string, ev: Obj, ctx: NormaliseContext): Normalised {
  const sender = obj(ev.sender);
  const msg = obj(ev.message);
  if (sender.sender_type !== undefined && sender.sender_type !== 'user') return { kind: 'ignore', reason: `sender_type ${String(sender.sender_type)}` };
  const senderId = str(obj(sender.sender_id).open_id);
  const chatId = str(msg.chat_id);
  if (!senderId || !chatId) return { kind: 'invalid', reason: 'message without sender open_id or chat_id' };
  const raw = messageText(str(msg.message_type), msg.content);
  if (raw === undefined) return { kind: 'ignore', reason: `message_type ${String(msg.message_type)}` };
  const dm = msg.chat_type === 'p2p';
  const mentions = Array.isArray(msg.mentions) ? msg.mentions.filter(isObj) : [];
  const { text, botMentioned } = resolveMentions(raw, mentions, ctx.botOpenId);
  const mentioned = addressedToBot(dm ? 'dm' : 'group', botMentioned);
  // In groups the bot only answers an @-mention; the router would drop the rest anyway.
  if (!mentioned) return { kind: 'ignore', reason: 'group message without a mention of the bot' };
  const event: InboundMessage = {
    kind: 'message',
    platform: 'feishu',
    // Feishu may deliver one message under several event ids; its docs say to dedupe on message_id.
    eventId: str(msg.message_id) ?? eventId,
    receivedAt: receivedAt(ctx),
    senderId,
    chat: { type: dm ? 'dm' : 'group', id: chatId },
    text,
    mentioned,
    ...replyTo(msg.message_id),
  };
  return { kind: 'event', event };
}

/** Plain text of a text or rich-text (post) message; undefined for anything else. */
function messageText(type: string | undefined, content: unknown): string | undefined {
  let c: unknown = content;
  if (typeof c === 'string') {
    try {
      c = JSON.parse(c);
    } catch {
      return undefined;
    }
  }
  // A rich-text post is a few levels deep; anything deeper is not a message a person wrote.
  if (!isObj(c) || !withinBounds(c, 8, 100_000)) return undefined;
  if (type === 'text') return typeof c.text === 'string' ? c.text : undefined;
  if (type === 'post') {
    // Received posts are `{title, content: [[{tag, text | user_id}]]}` (sometimes wrapped per locale).
    const body = Array.isArray(c.content) ? c : (Object.values(c).find((v) => isObj(v) && Array.isArray(v.content)) as Obj | undefined);
    if (!body) return undefined;
    const lines = (body.content as unknown[]).map((line) =>
      Array.isArray(line)
        ? line
            .filter(isObj)
            .map((el) => (el.tag === 'text' || el.tag === 'a' ? String(el.text ?? '') : el.tag === 'at' ? String(el.user_id ?? '') : ''))
            .join('')
        : '',
    );
    return [str(body.title), ...lines].filter((l) => l !== undefined).join('\n');
  }
  return undefined;
}

/**
 * Replaces mention placeholders (`@_user_1`): the bot's own are removed, people's become `@name`.
 * Without the bot's open_id, a leading placeholder is taken for the bot (how people address it).
 */
function resolveMentions(text: string, mentions: Obj[], botOpenId: string | undefined): { text: string; botMentioned: boolean } {
  let botMentioned = false;
  let out = text;
  for (const m of mentions) {
    const key = str(m.key);
    if (!key) continue;
    const isBot = botOpenId ? str(obj(m.id).open_id) === botOpenId : text.trimStart().startsWith(key);
    if (isBot) botMentioned = true;
    out = out.split(key).join(isBot ? '' : `@${str(m.name) ?? ''}`);
  }
  return { text: out.replace(/\s+/g, ' ').trim(), botMentioned };
}

function cardAction(eventId: string, ev: Obj, ctx: NormaliseContext): Normalised {
  const senderId = str(obj(ev.operator).open_id);
  if (!senderId) return { kind: 'invalid', reason: 'card action without operator.open_id' };
  const act = obj(ev.action);
  if (!withinBounds(act.value) || !withinBounds(act.form_value)) return { kind: 'invalid', reason: 'card action value or form_value nested too deeply or too large' };
  // A form submit names its button (`action.name`, no value); a plain button sends its value.
  // Cards sent before form buttons were named carry a value in the form too: still accepted.
  const action = actionFromName(act.name) ?? decodeAction(act.value);
  if (!action) return { kind: 'stale', reason: 'card action name and value are not ours' };
  const context = obj(ev.context);
  const form = formValues(act.form_value, ctx.timezone);
  const messageId = str(context.open_message_id);
  const chatId = str(context.open_chat_id);
  const event: InboundCardAction = {
    kind: 'card_action',
    platform: 'feishu',
    eventId,
    receivedAt: receivedAt(ctx),
    senderId,
    action,
    ...(form ? { form } : {}),
    ...(messageId || chatId ? { message: { ...(messageId ? { messageId } : {}), ...(chatId ? { chatId } : {}) } } : {}),
  };
  return { kind: 'event', event };
}

function formValues(v: unknown, timezone: string): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (val === null || val === undefined) continue;
    out[k] = typeof val === 'string' ? localiseDateTime(val, timezone) : Array.isArray(val) ? val.map(String).join(',') : JSON.stringify(val);
  }
  return out;
}

/**
 * Feishu date pickers answer in the clicker's zone ("2026-05-20 15:30 +0800", "2026-05-20 +0800");
 * the form parsers read local times of the organisation, so convert to its zone and drop the offset.
 */
export function localiseDateTime(v: string, timezone: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})(?: (\d{2}:\d{2}))? ([+-])(\d{2}):?(\d{2})$/.exec(v.trim());
  if (!m) return v;
  const [, date, time, sign, hh, mm] = m;
  if (!time) return date!;
  const at = new Date(`${date}T${time}:00${sign}${hh}:${mm}`);
  return localStamp(at, timezone) ?? v;
}

/** v1 `event_callback` (older apps): only text messages; eventId is the message id (else the envelope's uuid). */
function v1Event(p: Obj, ctx: NormaliseContext): Normalised {
  const eventId = str(p.uuid);
  const ev = obj(p.event);
  if (!eventId) return { kind: 'invalid', reason: 'v1 envelope without uuid' };
  if (ev.type !== 'message') return { kind: 'ignore', reason: `v1 event type ${String(ev.type)}` };
  if (ev.msg_type !== 'text') return { kind: 'ignore', reason: `v1 msg_type ${String(ev.msg_type)}` };
  const senderId = str(ev.open_id);
  const chatId = str(ev.open_chat_id);
  if (!senderId || !chatId) return { kind: 'invalid', reason: 'v1 message without open_id or open_chat_id' };
  const dm = ev.chat_type === 'private';
  const mentioned = addressedToBot(dm ? 'dm' : 'group', ev.is_mention === true);
  if (!mentioned) return { kind: 'ignore', reason: 'group message without a mention of the bot' };
  const text = str(ev.text_without_at_bot) ?? str(ev.text) ?? '';
  const event: InboundMessage = {
    kind: 'message',
    platform: 'feishu',
    eventId: str(ev.open_message_id) ?? eventId,
    receivedAt: receivedAt(ctx),
    senderId,
    chat: { type: dm ? 'dm' : 'group', id: chatId },
    text: text.trim(),
    mentioned,
    ...replyTo(ev.open_message_id),
  };
  return { kind: 'event', event };
}
