// The 委托 card form: whom to delegate to and for how long, in the words the 委托 command reads
// ("王芳", "12月10日至12月20日" / "3个工作日"), so the card and the command share one parser.
import { t, type Locale } from '../src/core/messages.js';
import type { Card } from './model.js';

/** The form's submit action; the command registry routes it to the 委托 command. */
export const DELEGATE_FORM_ACTION = 'delegate_form';
export const DELEGATE_INPUT = 'delegate';
export const PERIOD_INPUT = 'period';

export function delegationFormCard(locale: Locale, values: { delegate?: string; period?: string } = {}): Card {
  return {
    kind: 'delegation_form',
    title: t(locale, 'delegation.form.title'),
    fields: [],
    buttons: [],
    form: {
      inputs: [
        { name: DELEGATE_INPUT, label: t(locale, 'delegation.form.delegate'), kind: 'text', required: true, placeholder: t(locale, 'delegation.form.delegate_example'), ...(values.delegate ? { value: values.delegate } : {}) },
        { name: PERIOD_INPUT, label: t(locale, 'delegation.form.period'), kind: 'text', required: true, placeholder: t(locale, 'delegation.form.period_example'), ...(values.period ? { value: values.period } : {}) },
      ],
      submit: { label: t(locale, 'delegation.form.submit'), action: { a: DELEGATE_FORM_ACTION } },
    },
    footer: t(locale, 'delegation.form.footer'),
  };
}

/** The form once the delegation is set: what was set, no inputs. */
export function delegationSetCard(locale: Locale, said: string): Card {
  return { kind: 'delegation_form', title: t(locale, 'delegation.form.title'), status: { text: said, tone: 'approved' }, fields: [], buttons: [] };
}
