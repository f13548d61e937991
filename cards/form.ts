// A one-shot form card built from a request type's field declarations, so the card form,
// the API and the dialogs validate the same fields; each field's kind picks its input.
import { fieldKind, fieldLabel, typeName } from '../src/core/fields/index.js';
import { t, type Locale } from '../src/core/messages.js';
import type { RequestTypeDef } from '../src/core/request-types.js';
import type { Card, FormInput } from './model.js';

export function formCard(def: RequestTypeDef, locale: Locale, prefill: Record<string, string> = {}, requestId?: string): Card {
  const inputs: FormInput[] = def.fields.map((f) => ({
    name: f.key,
    label: fieldLabel(f, locale),
    kind: fieldKind(f.kind).input,
    required: f.required,
    ...(f.example ? { placeholder: t(locale, 'field.placeholder', { example: f.example }) } : {}),
    ...(f.options ? { options: f.options } : {}),
    ...(prefill[f.key] !== undefined ? { value: prefill[f.key] } : {}),
  }));
  const type = typeName(def, locale);
  return {
    kind: 'form',
    title: t(locale, requestId ? 'form.title.resubmit' : 'form.title.new', { type }),
    fields: [],
    buttons: [],
    form: {
      inputs,
      submit: {
        label: t(locale, requestId ? 'form.resubmit' : 'form.submit'),
        action: requestId ? { a: 'resubmit', r: requestId, t: def.id } : { a: 'submit', t: def.id },
      },
    },
  };
}
