// The neutral Card → Feishu card JSON 2.0. `update_multi: true` makes the card shared, so one
// PATCH updates it for every viewer. Buttons carry the ActionValue object as their callback
// value; clicks come back as `card.action.trigger` with `action.value` (and `form_value`).
import type { ActionValue, Card, CardButton, CardField, FormInput, Tone } from '../../../cards/model.js';
import { t, type Locale } from '../../core/messages.js';

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

/** Feishu refuses cards over 30 KB; stay under with a margin. */
export const MAX_CARD_BYTES = 28 * 1024;
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

const buttonName = (a: ActionValue, i: number) => `btn_${a.a}_${i}`.replace(/[^A-Za-z0-9_]/g, '_');

function button(b: CardButton, i: number, submit: boolean): El {
  return {
    tag: 'button',
    // Names matter inside a form (Feishu requires them there and reports them back).
    ...(submit ? { name: buttonName(b.action, i) } : {}),
    text: plain(b.label),
    type: b.style,
    behaviors: [{ type: 'callback', value: { ...b.action } }],
    ...(submit ? { form_action_type: 'submit' } : {}),
  };
}

function inputElements(input: FormInput): El[] {
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

  const plainButtons = card.buttons.map((b, i) => ({ b, i })).filter(({ b }) => !b.needsReason);
  const reasonButtons = card.buttons.map((b, i) => ({ b, i })).filter(({ b }) => b.needsReason);
  if (plainButtons.length) elements.push(columns(plainButtons.map(({ b, i }) => button(b, i, false)), 'auto'));
  if (reasonButtons.length) {
    // One form (forms may only sit at the card's root) holding the `reason` input and every
    // button that needs it: a submit sends the input as action.form_value.reason.
    elements.push({
      tag: 'form',
      name: 'reason_form',
      elements: [
        { tag: 'input', name: 'reason', required: true, max_length: 500, placeholder: plain(tr('channels.reason.fill_hint')), label: plain(tr('channels.reason.label')), label_position: 'left' },
        columns(reasonButtons.map(({ b, i }) => button(b, i, true)), 'auto'),
      ],
    });
  }
  if (card.form) {
    elements.push({
      tag: 'form',
      name: 'request_form',
      elements: [
        ...card.form.inputs.flatMap(inputElements),
        { tag: 'button', name: 'form_submit', text: plain(card.form.submit.label), type: 'primary', form_action_type: 'submit', behaviors: [{ type: 'callback', value: { ...card.form.submit.action } }] },
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

/** The card as the `content` string of a message, within Feishu's size limit. */
export function cardContent(card: Card, opts: RenderOptions): string {
  let json = JSON.stringify(renderCard(card, opts));
  if (Buffer.byteLength(json) > MAX_CARD_BYTES && card.markdown) {
    // The step history is the longest part and is also on the detail page behind the link.
    json = JSON.stringify(renderCard({ ...card, markdown: clip(card.markdown, 2000) }, opts));
  }
  return json;
}
