// Forms: the neutral card form, in the 发起申请 modal and in form cards sent by the bot.
import { api, errorText, ok, postAction, showAck } from './api.js';
import { h } from './dom.js';
import { personName } from './format.js';
import { tr } from './i18n.js';
import { openModal } from './modal.js';
import { state } from './state.js';
import { toast } from './toast.js';
import type { Ack, Card, CardForm, FormInput } from './types.js';

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/**
 * Build a <form> from a card form model. `onSubmit(values)` gets every input as a string
 * (datetime inputs are `datetime-local`, e.g. 2026-12-20T18:00) and answers the server's
 * errors by field name, if any: they are shown next to their fields, all at once, and the
 * values stay. `initial` fills the inputs (a kept draft).
 */
export function buildForm(
  spec: CardForm,
  onSubmit: (values: Record<string, string>) => Promise<Record<string, string> | undefined>,
  { idPrefix = 'f', initial }: { idPrefix?: string; initial?: Record<string, string> | undefined } = {},
): HTMLFormElement & { values: () => Record<string, string> } {
  const controls: Array<{ inp: FormInput; control: Control; row: HTMLElement; error: HTMLElement }> = [];
  const rows = spec.inputs.map((inp) => {
    const id = `${idPrefix}-${inp.name}`;
    const common = { id, name: inp.name, testid: `form-input-${inp.name}`, placeholder: inp.placeholder };
    let control: Control;
    switch (inp.kind) {
      case 'textarea':
        control = h('textarea', { ...common, rows: 3 });
        break;
      case 'datetime':
        control = h('input', { ...common, type: 'datetime-local', placeholder: undefined });
        break;
      case 'number':
        // Text, not type=number: people type 三十五 or 80人, and the server reads them.
        control = h('input', { ...common, type: 'text', inputmode: 'decimal' });
        break;
      case 'select':
        control = h('select', { id, name: inp.name, testid: `form-input-${inp.name}` }, h('option', { value: '' }, tr('sim.form.choose')), (inp.options || []).map((o) => h('option', { value: o.value }, o.label)));
        break;
      default:
        control = h('input', { ...common, type: 'text' });
    }
    const value = initial?.[inp.name] ?? inp.value;
    if (value !== undefined) control.value = value;
    const error = h('div', { class: 'field-error', testid: `form-error-${inp.name}`, role: 'alert' });
    const row = h('div', { class: `form-row${inp.kind === 'textarea' ? ' form-row-wide' : ''}`, testid: `form-row-${inp.name}` }, h('label', { class: 'field-label', for: id }, inp.label, inp.required && h('span', { class: 'req', 'aria-hidden': 'true' }, '*')), control, error);
    control.addEventListener('input', () => row.classList.remove('invalid'));
    control.addEventListener('change', () => row.classList.remove('invalid'));
    controls.push({ inp, control, row, error });
    return row;
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'form-submit' }, spec.submit.label || tr('sim.form.submit'));
  const form = h('form', { class: 'card-form', novalidate: true }, h('div', { class: 'form-grid' }, rows), h('div', { class: 'form-actions' }, submit));
  const values = () => Object.fromEntries(controls.map((c) => [c.inp.name, String(c.control.value)]));
  /** Every field's error at once (the browser's own for an input it cannot read, else the server's). */
  const showErrors = (errors: Record<string, string>) => {
    let first: Control | null = null;
    for (const c of controls) {
      const message = !c.control.validity.valid ? tr('sim.form.invalid', { label: c.inp.label }) : errors[c.inp.name];
      c.row.classList.toggle('invalid', !!message);
      c.error.textContent = message ?? '';
      if (message && !first) first = c.control;
    }
    first?.focus();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    // The server checks everything and answers every field's error at once.
    submit.disabled = true;
    try {
      const errors = await onSubmit(values());
      showErrors(errors ?? {});
    } finally {
      submit.disabled = false;
    }
  });
  return Object.assign(form, { values });
}

/** A form's ack: its field errors when refused with them, otherwise the toast. */
export function formErrors(ack: Ack): Record<string, string> | undefined {
  if (ack.fields && Object.keys(ack.fields).length) {
    toast(tr('feedback.form_fix', { n: Object.keys(ack.fields).length }), 'error');
    return ack.fields;
  }
  return undefined;
}

/** A request type's form card (cached): its field labels and options. */
export async function formCardFor(type: string): Promise<Card> {
  let card = state.formCache.get(type);
  if (!card) {
    card = await api<Card>('GET', `/api/sim/forms/${encodeURIComponent(type)}`);
    state.formCache.set(type, card);
  }
  return card;
}

/**
 * 发起申请: the form card of a request type in a modal; submitted with messageId null, then
 * `onSubmitted` (the caller's next step: this module sits below the conversation views).
 */
export async function openNewRequest(type: string, onSubmitted: () => void): Promise<void> {
  let card: Card;
  try {
    card = await formCardFor(type);
  } catch (err) {
    toast(tr('sim.form.open_failed', { error: errorText(err) }), 'error');
    return;
  }
  const spec = card.form!;
  const gen = state.gen;
  let submitted = false;
  const form = buildForm(
    spec,
    async (values) => {
      const ack = await postAction({ messageId: null, action: spec.submit.action, form: values });
      if (gen !== state.gen) return undefined;
      // Success only once the request exists: the server answers after creating it.
      if (ok(ack)) {
        submitted = true;
        state.drafts.delete(type);
        modal.close();
        toast(ack.feedback?.text || tr('sim.form.submitted'), ack.feedback?.tone || 'success');
        onSubmitted();
        return undefined;
      }
      const errors = formErrors(ack);
      if (!errors) showAck(ack);
      return errors;
    },
    { idPrefix: `new-${type}`, initial: state.drafts.get(type) },
  );
  // Closed without submitting: the values wait for the next opening.
  const onClose = () => {
    if (!submitted && gen === state.gen) state.drafts.set(type, form.values());
  };
  const modal = openModal({ title: card.title, subtitle: tr('sim.form.subtitle', { name: personName(state.me) }), body: form, testid: 'form-modal', wide: true, onClose });
}
