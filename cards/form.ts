// A one-shot form card built from a request type's field declarations, so the card form,
// the API and the dialogs validate the same fields.
import type { RequestTypeDef } from '../src/core/request-types.js';
import type { Locale } from '../src/core/messages.js';
import type { Card, FormInput } from './model.js';

const KIND: Record<string, FormInput['kind']> = {
  text: 'text',
  longtext: 'textarea',
  datetime: 'datetime',
  money: 'number',
  count: 'number',
  score: 'number',
  choice: 'select',
  budget: 'textarea',
  requestRef: 'text',
};

export function formCard(def: RequestTypeDef, locale: Locale, prefill: Record<string, string> = {}, requestId?: string): Card {
  const en = locale === 'en';
  const inputs: FormInput[] = def.fields.map((f) => ({
    name: f.key,
    label: en ? f.labelEn : f.label,
    kind: KIND[f.kind] ?? 'text',
    required: f.required,
    ...(f.example ? { placeholder: `${en ? 'e.g.' : '例如'} ${f.example}` } : {}),
    ...(f.options ? { options: f.options } : {}),
    ...(prefill[f.key] !== undefined ? { value: prefill[f.key] } : {}),
  }));
  return {
    kind: 'form',
    title: requestId ? `${en ? 'Edit and resubmit' : '修改后重新提交'}：${en ? def.nameEn : def.name}` : en ? `New ${def.nameEn}` : `发起${def.name}`,
    fields: [],
    buttons: [],
    form: {
      inputs,
      submit: {
        label: requestId ? (en ? 'Resubmit' : '重新提交') : en ? 'Submit' : '提交申请',
        action: requestId ? { a: 'resubmit', r: requestId, t: def.id } : { a: 'submit', t: def.id },
      },
    },
  };
}
