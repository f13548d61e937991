// The neutral Card → Feishu card JSON 2.0. `update_multi: true` makes the card shared, so one
// PATCH updates it for every viewer. Plain buttons carry the ActionValue object as their callback
// value (`behaviors: [{type: "callback", value}]`), which comes back as `action.value` of
// `card.action.trigger`. Buttons inside a form container carry no behaviors: as the form
// container reference has it, they are `name` + `form_action_type: "submit"`, and a submit comes
// back with `action.name` and `action.form_value`; the name encodes the action (form-names.ts).
import type { Card, CardButton, CardField, FormInput, Tone } from '../../../cards/model.js';
import { t, type Locale } from '../../core/messages.js';
import { formButtonName } from './form-names.js';

type El = Record<string, unknown>;

const TEMPLATE: Record<Tone, string> = {
  info: 'blue',
  pending: 'orange',
  approved: 'green',
  rejected: 'red',
  warning: 'yellow',
  neutral: 'grey',
};
const TAG_COLOR: Record<Tone, string> = { ...TEMPLATE, neutral: 'neutral' };

const MAX_VALUE_CHARS = 1000;

export interface RenderOptions {
  locale: Locale;
}

const plain = (content: string) => ({ tag: 'plain_text', content });

/**
 * Neutralises card markdown in user-typed values: `<at id=all>` would ping a whole group, and
 * stray `*`/`~`/`[` would restyle the text. Feishu card markdown accepts HTML numeric entities.
 */
export function escapeMarkdown(s: string): string {
  return s.replace(/[&<>*_~[\]`#\\]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function fieldMarkdown(f: CardField): El {
  return { tag: 'markdown', content: `**${escapeMarkdown(f.label)}**\n${escapeMarkdown(clip(f.value, MAX_VALUE_CHARS))}` };
}

/** Short fields two to a row, wide fields across the card. */
function fieldElements(fields: CardField[]): El[] {
  const out: El[] = [];
  let pending: CardField | undefined;
  const flush = () => {
    if (pending) out.push(columns([fieldMarkdown(pending)], 'weighted'));
    pending = undefined;
  };
  for (const f of fields) {
    if (f.wide) {
      flush();
      out.push(fieldMarkdown(f));
    } else if (pending) {
      out.push({
        tag: 'column_set',
        horizontal_spacing: '12px',
        columns: [pending, f].map((x) => ({ tag: 'column', width: 'weighted', weight: 1, elements: [fieldMarkdown(x)] })),
      });
      pending = undefined;
    } else pending = f;
  }
  flush();
  return out;
}

function columns(elements: El[], width: 'auto' | 'weighted'): El {
  return {
    tag: 'column_set',
    horizontal_spacing: '8px',
    columns: elements.map((e) => ({ tag: 'column', width, ...(width === 'weighted' ? { weight: 1 } : {}), elements: [e] })),
  };
}

/** A button outside any form: a callback with the ActionValue as its value. */
function button(b: CardButton): El {
  return { tag: 'button', text: plain(b.label), type: b.style, behaviors: [{ type: 'callback', value: { ...b.action } }] };
}

/** A submit button inside a form container: no behaviors; its name says what it does. */
function submitButton(label: string, style: CardButton['style'], action: CardButton['action']): El {
  return { tag: 'button', name: formButtonName(action), text: plain(label), type: style, form_action_type: 'submit' };
}

/** A refused submission's error for one input, in red right under it. */
const inputError = (input: FormInput): El[] => (input.error ? [{ tag: 'markdown', content: `<font color="red">⚠ ${escapeMarkdown(input.error)}</font>`, text_size: 'notation' }] : []);

function inputElements(input: FormInput): El[] {
  return [...inputControl(input), ...inputError(input)];
}

function inputControl(input: FormInput): El[] {
  const label: El = { tag: 'markdown', content: `**${escapeMarkdown(input.label)}**${input.required ? ' <font color="red">*</font>' : ''}` };
  const common = { name: input.name, required: input.required, ...(input.placeholder ? { placeholder: plain(input.placeholder) } : {}) };
  switch (input.kind) {
    case 'select':
      return [
        label,
        {
          tag: 'select_static',
          ...common,
          options: (input.options ?? []).map((o) => ({ text: plain(o.label), value: o.value })),
          ...(input.value ? { initial_option: input.value } : {}),
        },
      ];
    case 'datetime':
      // Feishu wants "YYYY-MM-DD HH:mm"; answers come back with the clicker's offset appended.
      return [label, { tag: 'picker_datetime', ...common, ...(input.value ? { initial_datetime: input.value.replace('T', ' ').slice(0, 16) } : {}) }];
    case 'textarea':
      return [label, { tag: 'input', ...common, input_type: 'multiline_text', rows: 3, auto_resize: true, max_length: 1000, ...(input.value ? { default_value: input.value } : {}) }];
    default:
      return [label, { tag: 'input', ...common, max_length: input.kind === 'number' ? 32 : 200, ...(input.value ? { default_value: input.value } : {}) }];
  }
}

export function renderCard(card: Card, opts: RenderOptions): El {
  const tr = (key: 'channels.reason.label' | 'channels.reason.fill_hint' | 'channels.view_details') => t(opts.locale, key);
  const elements: El[] = [...fieldElements(card.fields)];
  if (card.markdown) elements.push({ tag: 'markdown', content: card.markdown });

  const plainButtons = card.buttons.filter((b) => !b.needsReason);
  const reasonButtons = card.buttons.filter((b) => b.needsReason);
  if (plainButtons.length) elements.push(columns(plainButtons.map(button), 'auto'));
  if (reasonButtons.length) {
    // One form (forms may only sit at the card's root) holding the `reason` input and every
    // button that needs it: a submit sends the input as action.form_value.reason.
    elements.push({
      tag: 'form',
      name: 'reason_form',
      elements: [
        { tag: 'input', name: 'reason', required: true, max_length: 500, placeholder: plain(tr('channels.reason.fill_hint')), label: plain(tr('channels.reason.label')), label_position: 'left' },
        columns(reasonButtons.map((b) => submitButton(b.label, b.style, b.action)), 'auto'),
      ],
    });
  }
  if (card.form) {
    elements.push({
      tag: 'form',
      name: 'request_form',
      elements: [
        ...card.form.inputs.flatMap(inputElements),
        submitButton(card.form.submit.label, 'primary', card.form.submit.action),
      ],
    });
  }
  if (card.link) {
    elements.push({ tag: 'button', text: plain(tr('channels.view_details')), type: 'default', behaviors: [{ type: 'open_url', default_url: card.link }] });
  }
  if (card.footer) elements.push({ tag: 'markdown', content: escapeMarkdown(card.footer), text_size: 'notation' });

  const header: El = { title: plain(card.title), template: TEMPLATE[card.status?.tone ?? 'info'] };
  if (card.subtitle) header.subtitle = plain(card.subtitle);
  if (card.status) header.text_tag_list = [{ tag: 'text_tag', text: plain(card.status.text), color: TAG_COLOR[card.status.tone] }];

  return { schema: '2.0', config: { update_multi: true }, header, body: { elements } };
}

/**
 * Ever shorter versions of a card, for a card whose request would be over Feishu's size limit:
 * the step history and long field values clipped, then fewer fields; every shortened version
 * says so and points at the detail page (the card's link, when there is one).
 */
export function shortenedCards(card: Card, locale: Locale): Card[] {
  const note = t(locale, card.link ? 'feishu.card.shortened_link' : 'feishu.card.shortened');
  const footer = card.footer ? `${note}\n${card.footer}` : note;
  const level = (valueChars: number, historyChars: number, maxFields: number): Card => {
    const out: Card = { ...card, fields: card.fields.slice(0, maxFields).map((f) => ({ ...f, value: clip(f.value, valueChars) })), footer };
    if (card.markdown !== undefined && historyChars > 0) out.markdown = clip(card.markdown, historyChars);
    else delete out.markdown;
    if (card.form) out.form = { ...card.form, inputs: card.form.inputs.map((i) => (i.value ? { ...i, value: clip(i.value, valueChars) } : i)) };
    return out;
  };
  return [level(300, 2000, Infinity), level(80, 500, 20), level(40, 0, 12)];
}

/**
 * The card as the `content` string of a message, such that `bodyBytes(content)` — the size of
 * the request Feishu measures — stays within `limit`: the card as it is, else the first
 * shortened version that fits; undefined when none fits.
 */
export function fitCardContent(card: Card, opts: RenderOptions, bodyBytes: (content: string) => number, limit: number): { content: string; shortened: boolean } | undefined {
  const full = JSON.stringify(renderCard(card, opts));
  if (bodyBytes(full) <= limit) return { content: full, shortened: false };
  for (const shorter of shortenedCards(card, opts.locale)) {
    const content = JSON.stringify(renderCard(shorter, opts));
    if (bodyBytes(content) <= limit) return { content, shortened: true };
  }
  return undefined;
}
