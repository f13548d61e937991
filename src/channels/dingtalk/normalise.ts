// Turns DingTalk's robot messages and card callbacks (the same JSON over Stream and HTTP) into
// neutral InboundEvents, and renders the reply a card callback gets. Pure: no I/O here.
import { createHash } from 'node:crypto';
import { decodeAction } from '../../../cards/model.js';
import { t, type Locale, type MessageKey } from '../../core/messages.js';
import type { IngestResult } from '../channel.js';
import { withinBounds, type InboundCardAction, type InboundEvent, type InboundMessage } from '../inbound.js';
import { DECISION_FIELD, FORM_ACTION_FIELD, FORM_PARAMS, REASON_FIELD, renderParams } from './render.js';

/** `stale`: an authentic card callback whose action is not one of ours (an old card): worth a toast, not an error. */
export type Normalised = { ok: true; event: InboundEvent; details?: CardCallbackDetails } | { ok: false; reason: string; stale?: true };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A robot message has a msgId and a msgtype; a card callback has an outTrackId. */
export function normalise(data: unknown, receivedAt = new Date()): Normalised {
  if (!isObject(data)) return { ok: false, reason: 'payload is not a JSON object' };
  if (str(data.outTrackId)) return normaliseCardCallback(data, receivedAt);
  if (str(data.msgId)) return normaliseRobotMessage(data, receivedAt);
  return { ok: false, reason: 'neither a robot message (msgId) nor a card callback (outTrackId)' };
}

function messageText(data: Record<string, unknown>): string | undefined {
  if (data.msgtype === 'text' && isObject(data.text) && typeof data.text.content === 'string') return data.text.content;
  // Rich text (text with pictures): keep the text parts.
  if (data.msgtype === 'richText' && isObject(data.content) && Array.isArray(data.content.richText)) {
    return data.content.richText.map((p: unknown) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
  }
  return undefined;
}

export function normaliseRobotMessage(data: Record<string, unknown>, receivedAt = new Date()): Normalised {
  const msgId = str(data.msgId);
  const conversationId = str(data.conversationId);
  // Staff id is the org file's DingTalk id; people outside the org only have the opaque senderId.
  const senderId = str(data.senderStaffId) ?? str(data.senderId);
  if (!msgId || !conversationId || !senderId) return { ok: false, reason: 'robot message without msgId, conversationId or sender' };
  const text = messageText(data);
  if (text === undefined) return { ok: false, reason: `unsupported msgtype ${String(data.msgtype)}` };
  const reply: Record<string, string> = {};
  for (const k of ['sessionWebhook', 'robotCode', 'conversationType', 'senderNick']) if (str(data[k])) reply[k] = data[k] as string;
  if (typeof data.sessionWebhookExpiredTime === 'number') reply.sessionWebhookExpiredTime = String(data.sessionWebhookExpiredTime);
  const event: InboundMessage = {
    kind: 'message',
    platform: 'dingtalk',
    eventId: msgId,
    receivedAt: receivedAt.toISOString(),
    senderId,
    ...(str(data.senderNick) ? { senderName: data.senderNick as string } : {}),
    chat: { type: data.conversationType === '1' ? 'dm' : 'group', id: conversationId },
    text: text.trim(),
    // In groups DingTalk only delivers messages that @-mention the robot; DMs are addressed to it.
    mentioned: true,
    reply,
  };
  return { ok: true, event };
}

/** Object keys sorted, so a redelivered callback hashes the same whatever its key order. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Card form values arrive typed (select = {index, value}, multi-select = arrays…): flatten to text. */
function flat(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(flat).join(',');
  if (isObject(v) && 'value' in v) return flat(v.value);
  if (v === null || v === undefined) return '';
  return JSON.stringify(v);
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

export interface CardCallbackDetails {
  /** The click was a form submission (the reason form or a request form). */
  formSubmit: boolean;
}

export function normaliseCardCallback(data: Record<string, unknown>, receivedAt = new Date()): Normalised {
  const outTrackId = str(data.outTrackId);
  const userId = str(data.userId);
  if (!outTrackId || !userId) return { ok: false, reason: 'card callback without outTrackId or userId' };
  // `content` and `value` both carry {"cardPrivateData":{"actionIds":[…],"params":{…}}} as text.
  const content = parseJson(data.content ?? data.value);
  const priv = isObject(content) && isObject(content.cardPrivateData) ? content.cardPrivateData : undefined;
  if (!priv) return { ok: false, reason: 'card callback without cardPrivateData' };
  const params = isObject(priv.params) ? priv.params : {};
  const formJson = typeof params.form === 'string' ? parseJson(params.form) : undefined;
  // What is walked below (the hash, the form's values) recurses: bound it first.
  if (!withinBounds(priv.actionIds ?? []) || !withinBounds(params) || !withinBounds(formJson)) return { ok: false, reason: 'card callback params nested too deeply or too large' };
  const rawForm = isObject(params.form) ? params.form : isObject(formJson) ? formJson : undefined;

  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawForm ?? {})) if (k !== FORM_ACTION_FIELD && k !== DECISION_FIELD) form[k] = flat(v).trim();
  if (typeof params[REASON_FIELD] === 'string' && params[REASON_FIELD].trim()) form[REASON_FIELD] = params[REASON_FIELD].trim();

  const action =
    decodeAction(params.action) ??
    (rawForm ? (decodeAction(flat(rawForm[FORM_ACTION_FIELD])) ?? decodeAction(flat(rawForm[DECISION_FIELD]))) : undefined);
  if (!action) return { ok: false, reason: 'card callback without a decodable action value', stale: true };

  const digest = createHash('sha256').update(`${outTrackId}\n${userId}\n${stable({ actionIds: priv.actionIds ?? [], params })}`).digest('hex');
  const event: InboundCardAction = {
    kind: 'card_action',
    platform: 'dingtalk',
    eventId: `card-${digest.slice(0, 40)}`,
    receivedAt: receivedAt.toISOString(),
    senderId: userId,
    action,
    ...(Object.keys(form).length ? { form } : {}),
    message: { trackId: outTrackId, ...(data.spaceType === 'IM_GROUP' && str(data.spaceId) ? { chatId: data.spaceId as string } : {}) },
  };
  return { ok: true, event, details: { formSubmit: Boolean(rawForm) } };
}

/** The toast when ingest gave no feedback of its own. */
const DEFAULT_TOAST: Record<IngestResult['status'], MessageKey> = {
  accepted: 'feedback.received',
  duplicate: 'channels.toast.duplicate',
  refused: 'channels.toast.refused',
  unavailable: 'channels.toast.unavailable',
};

/**
 * The callback reply: DingTalk applies it to the clicker's private card data only. The template
 * shows `toast` in a pop-up when the callback returns; an accepted form is locked for the clicker.
 * Everyone's card changes later, through the card update API.
 */
export function cardCallbackReply(result: IngestResult, details: CardCallbackDetails | undefined, locale: Locale = 'zh-CN') {
  const priv: Record<string, string> = { toast: result.feedback?.text ?? t(locale, DEFAULT_TOAST[result.status]) };
  if (details?.formSubmit && result.status !== 'refused') {
    priv.form_status = 'disabled';
    priv.form_btn_text = t(locale, 'channels.form.submitted');
  }
  if (result.card) {
    // A refused form: the clicker's copy shows each field's error, with the values as submitted.
    const params = renderParams(result.card, locale);
    for (const key of FORM_PARAMS) priv[key] = params[key]!;
  }
  return {
    cardUpdateOptions: { updateCardDataByKey: true, updatePrivateDataByKey: true },
    userPrivateData: { cardParamMap: priv },
  };
}
