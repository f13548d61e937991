// Renders the neutral Card into the flat, all-string `cardParamMap` that DingTalk's card
// templates bind to (the variables of cards/dingtalk/approval.json), and into markdown for
// plain robot messages. Non-string template variables (lists, objects, booleans) travel as
// JSON text and "true"/"false", as DingTalk's card data rules require.
import type { Card, CardButton, FormInput, Tone } from '../../../cards/model.js';
import { encodeAction } from '../../../cards/model.js';
import { t, type Locale } from '../../core/messages.js';

/** DingTalk card colour tokens, so the template needs no tone → colour mapping of its own. */
export const TONE_COLOR: Record<Tone, string> = {
  info: 'common_blue1_color',
  pending: 'common_orange1_color',
  approved: 'common_green1_color',
  rejected: 'common_red1_color',
  warning: 'common_orange1_color',
  neutral: 'common_level3_base_color',
};

/** Hidden form field carrying the submit button's ActionValue back with the form values. */
export const FORM_ACTION_FIELD = '__action';
/** The select field of the reason form: which of the reason-needing actions was chosen. */
export const DECISION_FIELD = 'decision';
export const REASON_FIELD = 'reason';

/** A field of DingTalk's card form component (the `form` variable's `fields`). */
export interface DingtalkFormField {
  name: string;
  label?: string;
  type: 'TEXT' | 'DATE' | 'DATETIME' | 'SELECT' | 'MULTI_SELECT' | 'CHECKBOX';
  required?: boolean;
  hidden?: boolean;
  readOnly?: boolean;
  placeholder?: string;
  options?: Array<{ value: string; text: string }>;
  defaultValue?: unknown;
}

/** Full-width forms (＜ ＞) sit at a fixed distance from their ASCII characters. */
const FULL_WIDTH_OFFSET = 0xfee0;

/** Escape what DingTalk markdown would read as HTML (as full-width ＜ ＞), and make every newline a line break. */
export function md(text: string): string {
  return text.replace(/[<>]/g, (c) => String.fromCharCode(c.charCodeAt(0) + FULL_WIDTH_OFFSET)).replace(/\r?\n/g, '  \n');
}

/** A card field as a markdown line: bold label, then the value. */
const fieldLine = (label: string, value: string, locale: Locale) => t(locale, 'text.label_value', { label: `**${md(label)}**`, value: md(value) });

const buttonStyle = (b: CardButton) =>
  b.style === 'primary' ? { type: 'primary', color: 'blue' } : b.style === 'danger' ? { type: 'danger', color: 'red' } : { type: 'default', color: 'gray' };

function inputField(i: FormInput, locale: Locale): DingtalkFormField {
  const type: DingtalkFormField['type'] = i.kind === 'datetime' ? 'DATETIME' : i.kind === 'select' ? 'SELECT' : 'TEXT';
  const options = i.options?.map((o) => ({ value: o.value, text: o.label }));
  let defaultValue: unknown;
  if (i.value !== undefined) {
    const index = options?.findIndex((o) => o.value === i.value) ?? -1;
    defaultValue = type === 'SELECT' ? (index >= 0 ? { index, value: i.value } : undefined) : i.value;
  }
  return {
    name: i.name,
    // The form component has no error slot: a refused submission's error joins the label, right above the input.
    label: i.error ? t(locale, 'channels.form.field_error', { label: i.label, error: i.error }) : i.label,
    type,
    ...(i.required ? { required: true } : {}),
    ...(i.placeholder ? { placeholder: i.placeholder } : {}),
    ...(options ? { options } : {}),
    ...(defaultValue !== undefined ? { defaultValue } : {}),
  };
}

/**
 * The card form: the request form's inputs (+ the hidden submit action), or — on approval cards —
 * the reason form: choose reject / send back, type the reason, submit. DingTalk card buttons
 * carry fixed params, so a reason can only travel with a form submission.
 */
function formOf(card: Card, reasonButtons: CardButton[], locale: Locale): { fields: DingtalkFormField[]; submit: string } | undefined {
  if (card.form) {
    const hidden: DingtalkFormField = { name: FORM_ACTION_FIELD, type: 'TEXT', hidden: true, defaultValue: encodeAction(card.form.submit.action) };
    return { fields: [...card.form.inputs.map((i) => inputField(i, locale)), hidden], submit: card.form.submit.label };
  }
  if (reasonButtons.length === 0) return undefined;
  const options = reasonButtons.map((b) => ({ value: encodeAction(b.action), text: b.label }));
  const only = reasonButtons.length === 1 ? { defaultValue: { index: 0, value: options[0]!.value } } : {};
  return {
    fields: [
      { name: DECISION_FIELD, label: t(locale, 'channels.reason.action'), type: 'SELECT', required: true, options, ...only },
      { name: REASON_FIELD, label: t(locale, 'channels.reason.label'), type: 'TEXT', required: true, placeholder: t(locale, 'channels.reason.required_hint') },
    ],
    submit: t(locale, 'channels.form.submit'),
  };
}

/** The template's form variables alone: what a click's answer replaces for the clicker when a form is refused. */
export const FORM_PARAMS = ['form', 'hasForm', 'form_btn_text', 'form_status'] as const;

/** Every variable of the template, always all of them: an update by key must clear stale values. */
export function renderParams(card: Card, locale: Locale = 'zh-CN'): Record<string, string> {
  const quick = card.form ? card.buttons : card.buttons.filter((b) => !b.needsReason);
  const reasonButtons = card.form ? [] : card.buttons.filter((b) => b.needsReason);
  const form = formOf(card, reasonButtons, locale);
  const tone = card.status?.tone ?? 'info';
  const params: Record<string, string> = {
    kind: card.kind,
    title: card.title,
    subtitle: card.subtitle ?? '',
    status: card.status?.text ?? '',
    statusTone: tone,
    statusColor: TONE_COLOR[tone],
    fields: card.fields.map((f) => fieldLine(f.label, f.value, locale)).join('  \n'),
    markdown: card.markdown ? md(card.markdown) : '',
    footer: card.footer ?? '',
    link: card.link ?? '',
    linkText: t(locale, 'channels.view_details'),
    hasLink: String(Boolean(card.link)),
    buttons: JSON.stringify(quick.map((b, i) => ({ id: `b${i}`, text: b.label, ...buttonStyle(b), action: encodeAction(b.action) }))),
    hasButtons: String(quick.length > 0),
    form: JSON.stringify({ fields: form?.fields ?? [] }),
    hasForm: String(Boolean(form)),
    form_btn_text: form?.submit ?? '',
    form_status: 'normal',
  };
  return params;
}

/** Plain markdown of a card, for robot messages (no template configured) and notices. */
export function cardMarkdown(card: Card, locale: Locale = 'zh-CN'): { title: string; text: string } {
  const lines = [`### ${md(card.title)}`];
  if (card.subtitle) lines.push(md(card.subtitle));
  if (card.status) lines.push(`**${md(card.status.text)}**`);
  for (const f of card.fields) lines.push(fieldLine(f.label, f.value, locale));
  if (card.markdown) lines.push(md(card.markdown));
  if (card.footer) lines.push(md(card.footer));
  if (card.link) lines.push(`[${card.link}](${card.link})`);
  return { title: card.title.slice(0, 60), text: lines.join('\n\n') };
}

