// Renders the neutral Card for WeCom: a `button_interaction` template card for members, a
// markdown notice for app chats (which cannot carry template cards), and short texts.
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
  card_type: 'button_interaction';
  source?: { desc: string; desc_color: 0 | 1 | 2 | 3 };
  main_title: { title: string; desc?: string };
  sub_title_text?: string;
  horizontal_content_list?: Array<{ keyname: string; value: string; type?: 1; url?: string }>;
  card_action?: { type: 1; url: string };
  task_id: string;
  button_list: TemplateButton[];
  /** Shown as one grey, disabled button instead of button_list. */
  replace_text?: string;
}

// WeCom's own suggestions (建议不超过…); longer text is cut with an ellipsis rather than refused.
const LIMIT = { title: 36, desc: 44, subtitle: 160, keyname: 10, value: 40, button: 10, source: 20, replace: 20 };
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

export function renderTemplateCard(card: Card, taskId: string, locale: Locale): TemplateCard {
  const w = words(locale);
  const out: TemplateCard = {
    card_type: 'button_interaction',
    main_title: { title: clamp(card.title, LIMIT.title) },
    task_id: taskId,
    button_list: [],
  };
  const desc = [card.subtitle, card.footer].filter(Boolean).join(' · ');
  if (desc) out.main_title.desc = clamp(desc, LIMIT.desc);
  if (card.status) out.source = { desc: clamp(card.status.text, LIMIT.source), desc_color: DESC_COLOR[card.status.tone] };

  const body = card.form
    ? w.fields(card.form.inputs.map((i) => i.label))
    : card.markdown
      ? plain(card.markdown)
      : '';
  if (body) out.sub_title_text = clamp(body, LIMIT.subtitle);

  const room = card.link ? MAX_ITEMS - 1 : MAX_ITEMS;
  const items: NonNullable<TemplateCard['horizontal_content_list']> = card.fields
    .filter((f) => f.label && f.value)
    .slice(0, room)
    .map((f) => ({ keyname: clamp(f.label, LIMIT.keyname), value: clamp(f.value.replace(/\s+/g, ' '), LIMIT.value) }));
  if (card.link) {
    items.push({ keyname: w.details, value: w.open, type: 1, url: card.link });
    out.card_action = { type: 1, url: card.link };
  }
  if (items.length) out.horizontal_content_list = items;

  if (card.form) {
    // No inputs in WeCom cards: point to the web form when there is one.
    if (card.link) out.button_list = [{ text: clamp(w.needsWeb, LIMIT.button), style: 1, type: 1, url: card.link }];
    else out.replace_text = clamp(w.noForms, LIMIT.replace);
    return out;
  }
  out.button_list = card.buttons.slice(0, MAX_ITEMS).map((b, index) => ({
    text: clamp(b.label, LIMIT.button),
    style: STYLE[b.style],
    key: encodeButtonKey(b.action, { index, needsReason: b.needsReason ?? false }),
  }));
  // A decided card keeps a grey, disabled button that says what happened.
  if (!out.button_list.length) out.replace_text = clamp(card.status?.text ?? '—', LIMIT.replace);
  return out;
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
