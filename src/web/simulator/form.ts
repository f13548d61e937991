// Forms: the neutral card form, in the 发起申请 modal and in form cards sent by the bot.
import { api, errorText, ok, postAction, showAck } from './api.js';
import { h } from './dom.js';
import { personName } from './format.js';
import { tr } from './i18n.js';
import { openModal } from './modal.js';
import { state } from './state.js';
import { toast } from './toast.js';
import type { Card, CardForm, FormInput } from './types.js';

type Control = HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement;

/**
 * Build a <form> from a card form model. `onSubmit(values)` gets every input as a string
 * (datetime inputs are `datetime-local`, e.g. 2026-12-20T18:00).
 */
export function buildForm(spec: CardForm, onSubmit: (values: Record<string, string>) => Promise<void>, { idPrefix = 'f' } = {}): HTMLFormElement {
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
        control = h('input', { ...common, type: 'number', inputmode: 'decimal', step: 'any', min: 0 });
        break;
      case 'select':
        control = h('select', { id, name: inp.name, testid: `form-input-${inp.name}` }, h('option', { value: '' }, tr('sim.form.choose')), (inp.options || []).map((o) => h('option', { value: o.value }, o.label)));
        break;
      default:
        control = h('input', { ...common, type: 'text' });
    }
    if (inp.value !== undefined) control.value = inp.value;
    const error = h('div', { class: 'field-error', testid: `form-error-${inp.name}` });
    const row = h('div', { class: `form-row${inp.kind === 'textarea' ? ' form-row-wide' : ''}` }, h('label', { class: 'field-label', for: id }, inp.label, inp.required && h('span', { class: 'req', 'aria-hidden': 'true' }, '*')), control, error);
    control.addEventListener('input', () => row.classList.remove('invalid'));
    control.addEventListener('change', () => row.classList.remove('invalid'));
    controls.push({ inp, control, row, error });
    return row;
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'form-submit' }, spec.submit.label || tr('sim.form.submit'));
  const form = h('form', { class: 'card-form', novalidate: true }, h('div', { class: 'form-grid' }, rows), h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    // Required fields first, in the browser: the server checks everything again.
    let first: Control | null = null;
    for (const c of controls) {
      const empty = !String(c.control.value).trim();
      const bad = (c.inp.required && empty) || !c.control.validity.valid;
      c.row.classList.toggle('invalid', bad);
      c.error.textContent = bad ? (empty ? tr('sim.form.required', { label: c.inp.label }) : tr('sim.form.invalid', { label: c.inp.label })) : '';
      if (bad && !first) first = c.control;
    }
    if (first) {
      first.focus();
      toast(tr('sim.form.incomplete'), 'error');
      return;
    }
    const values: Record<string, string> = {};
    for (const c of controls) values[c.inp.name] = String(c.control.value);
    submit.disabled = true;
    try {
      await onSubmit(values);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
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
  const form = buildForm(
    spec,
    async (values) => {
      const ack = await postAction({ messageId: null, action: spec.submit.action, form: values });
      if (gen !== state.gen) return;
      if (ok(ack)) {
        modal.close();
        toast(ack.feedback?.text || tr('sim.form.submitted'), ack.feedback?.tone || 'success');
        onSubmitted();
      } else showAck(ack);
    },
    { idPrefix: `new-${type}` },
  );
  const modal = openModal({ title: card.title, subtitle: tr('sim.form.subtitle', { name: personName(state.me) }), body: form, testid: 'form-modal', wide: true });
}
