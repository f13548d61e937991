// Renders the neutral Card for WeCom: a `button_interaction` template card for members (a
// `text_notice` card or a text when nothing is clickable), a markdown notice for app chats
// (which cannot carry template cards), and short texts.
import type { Card, Tone } from '../../../cards/model.js';
import { t, type Locale } from '../../core/messages.js';
import { encodeButtonKey } from './keys.js';

export interface TemplateButton {
  text: string;
  /** 1 blue, 2 red, 3 green, 4 grey. */
  style: 1 | 2 | 3 | 4;
  type?: 0 | 1;
  key?: string;
  url?: string;
}

export interface TemplateCard {
  /**
   * `button_interaction` for cards with buttons; `text_notice` for a card without buttons sent
   * fresh (the send API documents no button-less button_interaction and no `replace_text`).
   */
  card_type: 'button_interaction' | 'text_notice';
  source?: { desc: string; desc_color: 0 | 1 | 2 | 3 };
  main_title: { title: string; desc?: string };
  sub_title_text?: string;
  horizontal_content_list?: Array<{ keyname: string; value: string; type?: 1; url?: string }>;
  card_action?: { type: 1; url: string };
  task_id: string;
  button_list?: TemplateButton[];
  /** Update API only (update_template_card): one grey, disabled button instead of button_list. */
  replace_text?: string;
}

/** What message/send gets for a card: a template card, or (nothing clickable and no link) a text. */
export type SendForm = { msgtype: 'template_card'; template_card: TemplateCard } | { msgtype: 'text'; text: { content: string } };

/**
 * WeCom's own advice (建议不超过…, message/send https://developer.work.weixin.qq.com/document/path/90236):
 * title 36, desc 44, sub_title_text 160, source.desc 20, keyname 5, value 30, button text 10
 * characters. The client cuts longer text, so a field that does not fit goes whole into the
 * detail lines of sub_title_text instead of being cut.
 */
export const LIMIT = { title: 36, desc: 44, subtitle: 160, keyname: 5, value: 30, button: 10, source: 20, replace: 20 } as const;
const MAX_ITEMS = 6;
const TEXT_MAX_BYTES = 2048;

const DESC_COLOR: Record<Tone, 0 | 1 | 2 | 3> = { approved: 3, rejected: 2, warning: 2, pending: 1, info: 1, neutral: 0 };
const STYLE = { primary: 1, danger: 2, default: 4 } as const;

const words = (locale: Locale) => ({
  details: t(locale, 'channels.wecom.details'),
  open: t(locale, 'channels.wecom.open'),
  needsWeb: t(locale, 'channels.wecom.needs_web'),
  noForms: t(locale, 'channels.wecom.no_forms'),
  status: t(locale, 'channels.wecom.status'),
  view: t(locale, 'channels.wecom.view'),
  /** `label: value` in the reader's punctuation. */
  pair: (label: string, value: string) => t(locale, 'text.label_value', { label, value }),
  fields: (labels: string[]) => t(locale, 'text.label_value', { label: t(locale, 'channels.wecom.fields'), value: labels.join(t(locale, 'list.separator')) }),
});

export function clamp(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`;
}

const charLength = (s: string) => [...s].length;

/** Cuts to a byte budget (WeCom counts bytes for text messages) on a character boundary. */
export function clampBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s) <= maxBytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (used + n > maxBytes - 3) break;
    out += ch;
    used += n;
  }
  return `${out}…`;
}

/** The card's markdown as plain text: WeCom template cards show no markup. */
export function plain(md: string): string {
  return md
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|~~|`)/g, '')
    .replace(/^#+\s*/gm, '')
    .replace(/^>\s?/gm, '')
    .trim();
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Splits the fields: those within WeCom's keyname / value advice (and the room left) go into
 * horizontal_content_list as they are; the others become `label：value` detail lines, so no
 * label or value is cut by the client.
 */
export function layoutFields(card: Card, locale: Locale): { items: Array<{ keyname: string; value: string }>; details: string[] } {
  const w = words(locale);
  const room = card.link ? MAX_ITEMS - 1 : MAX_ITEMS;
  const items: Array<{ keyname: string; value: string }> = [];
  const details: string[] = [];
  for (const f of card.fields) {
    if (!f.label || !f.value) continue;
    const value = oneLine(f.value);
    if (items.length < room && charLength(f.label) <= LIMIT.keyname && charLength(value) <= LIMIT.value) items.push({ keyname: f.label, value });
    else details.push(w.pair(f.label, value));
  }
  return { items, details };
}

/** The card's template without its buttons: title, status, fields, detail lines, link. */
function base(card: Card, taskId: string, locale: Locale): TemplateCard {
  const w = words(locale);
  const out: TemplateCard = { card_type: 'button_interaction', main_title: { title: clamp(card.title, LIMIT.title) }, task_id: taskId };
  const desc = [card.subtitle, card.footer].filter(Boolean).join(' · ');
  if (desc) out.main_title.desc = clamp(desc, LIMIT.desc);
  if (card.status) out.source = { desc: clamp(card.status.text, LIMIT.source), desc_color: DESC_COLOR[card.status.tone] };

  const { items, details } = layoutFields(card, locale);
  const body = card.form
    ? w.fields(card.form.inputs.map((i) => i.label))
    : card.markdown
      ? plain(card.markdown)
      : '';
  // The request's own values first: they are what an approver decides on.
  const sub = [...details, body].filter(Boolean).join('\n');
  if (sub) out.sub_title_text = clamp(sub, LIMIT.subtitle);

  const list: NonNullable<TemplateCard['horizontal_content_list']> = [...items];
  if (card.link) {
    list.push({ keyname: w.details, value: w.open, type: 1, url: card.link });
    out.card_action = { type: 1, url: card.link };
  }
  if (list.length) out.horizontal_content_list = list;
  return out;
}

/** The buttons of a card, or none (a decided card, a form without a web link). */
function buttonsOf(card: Card, locale: Locale): TemplateButton[] {
  const w = words(locale);
  if (card.form) return card.link ? [{ text: clamp(w.needsWeb, LIMIT.button), style: 1, type: 1, url: card.link }] : [];
  return card.buttons.slice(0, MAX_ITEMS).map((b, index) => ({
    text: clamp(b.label, LIMIT.button),
    style: STYLE[b.style],
    key: encodeButtonKey(b.action, { index, needsReason: b.needsReason ?? false }),
  }));
}

/**
 * The full card for `message/update_template_card` (https://developer.work.weixin.qq.com/document/path/94888):
 * a button_interaction card whose buttons, once there are none left, become one grey disabled
 * button saying what happened (`replace_text`, a field of the update API).
 */
export function renderTemplateCard(card: Card, taskId: string, locale: Locale): TemplateCard {
  const w = words(locale);
  const out = base(card, taskId, locale);
  out.button_list = buttonsOf(card, locale);
  if (!out.button_list.length) out.replace_text = clamp(card.form ? w.noForms : (card.status?.text ?? '—'), LIMIT.replace);
  return out;
}

/**
 * What `message/send` (https://developer.work.weixin.qq.com/document/path/90236) gets for a card.
 * With buttons: a button_interaction card (button_list is required there, 1–6 buttons). Without
 * buttons but with a link: a text_notice card, whose card_action (required for text_notice)
 * opens the request. Without either: a text message, since neither card type can be sent.
 */
export function renderSend(card: Card, taskId: string, locale: Locale): SendForm {
  const buttons = buttonsOf(card, locale);
  if (buttons.length) return { msgtype: 'template_card', template_card: { ...base(card, taskId, locale), button_list: buttons } };
  if (card.link) return { msgtype: 'template_card', template_card: { ...base(card, taskId, locale), card_type: 'text_notice' } };
  return { msgtype: 'text', text: { content: renderCardText(card, locale) } };
}

/** A card as a text message (no link, no buttons): title, status, every field, the body. */
export function renderCardText(card: Card, locale: Locale): string {
  const w = words(locale);
  const lines = [card.title];
  if (card.subtitle) lines.push(card.subtitle);
  if (card.status) lines.push(w.pair(w.status, card.status.text));
  for (const f of card.fields) if (f.label && f.value) lines.push(w.pair(f.label, oneLine(f.value)));
  if (card.form) lines.push(w.noForms, w.fields(card.form.inputs.map((i) => i.label)));
  else if (card.markdown) lines.push('', plain(card.markdown));
  return clampText(lines.join('\n'));
}

const FONT: Record<Tone, string> = { approved: 'info', rejected: 'warning', warning: 'warning', pending: 'comment', info: 'comment', neutral: 'comment' };

/** The notice posted in an app chat for a card (app chats take markdown, not template cards). */
export function renderChatNotice(card: Card, locale: Locale): string {
  const w = words(locale);
  const lines = [`**${card.title}**`];
  if (card.subtitle) lines.push(card.subtitle);
  if (card.status) lines.push(`> ${w.pair(w.status, `<font color="${FONT[card.status.tone]}">${card.status.text}</font>`)}`);
  for (const f of card.fields.slice(0, 10)) lines.push(`> ${w.pair(f.label, f.value.replace(/\s+/g, ' '))}`);
  if (card.markdown) lines.push('', plain(card.markdown));
  if (card.link) lines.push('', `[${w.view}](${card.link})`);
  const tail = card.link ? `\n\n[${w.view}](${card.link})` : '';
  const text = lines.join('\n');
  // Keep the link when the notice must be cut.
  return Buffer.byteLength(text) <= TEXT_MAX_BYTES ? text : `${clampBytes(lines.slice(0, card.link ? -2 : undefined).join('\n'), TEXT_MAX_BYTES - Buffer.byteLength(tail))}${tail}`;
}

/** A short result line, for a card that can no longer be updated in place. */
export function renderResultText(card: Card, locale: Locale): string {
  const w = words(locale);
  const parts = [card.title];
  if (card.status) parts.push(w.pair(w.status, card.status.text));
  if (card.link) parts.push(w.pair(w.view, card.link));
  return clampText(parts.join('\n'));
}

export const clampText = (s: string) => clampBytes(s, TEXT_MAX_BYTES);
