// A one-shot form card built from a request type's field declarations, so the card form,
// the API and the dialogs validate the same fields; each field's kind picks its input.
import { fieldKind, fieldLabel, typeName } from '../src/core/fields/index.js';
import { t, type Locale } from '../src/core/messages.js';
import type { RequestTypeDef } from '../src/core/request-types.js';
import type { Card, FormInput } from './model.js';
import { startCommand } from '../src/bot/dialog/words.js';

/** The form's own input beside the request type's fields: 加急 (deadlines in calendar time). */
export const URGENT_INPUT = 'urgent';
export const isUrgent = (form: Readonly<Record<string, string>>): boolean => form[URGENT_INPUT] === 'yes';

/**
 * The form card for a request type: empty, or — after a refused submission — with the values as
 * submitted (`prefill`) and each field's error beside it (`errors`).
 */
export function formCard(def: RequestTypeDef, locale: Locale, prefill: Readonly<Record<string, string>> = {}, requestId?: string, errors: Readonly<Record<string, string>> = {}): Card {
  // Files cannot be entered on a card: those fields are left out, and the card says how to add them.
  const onCard = def.fields.filter((f) => fieldKind(f.kind).form !== false);
  const fileFields = def.fields.filter((f) => fieldKind(f.kind).form === false);
  const inputs: FormInput[] = onCard.map((f) => ({
    name: f.key,
    label: fieldLabel(f, locale),
    kind: fieldKind(f.kind).input,
    required: f.required,
    ...(f.example ? { placeholder: t(locale, 'field.placeholder', { example: f.example }) } : {}),
    ...(f.options ? { options: f.options } : {}),
    ...(prefill[f.key] !== undefined ? { value: prefill[f.key] } : {}),
    ...(errors[f.key] ? { error: errors[f.key] } : {}),
  }));
  // A new request may be urgent (its deadlines and reminders then run in calendar time).
  if (!requestId && !def.fields.some((f) => f.key === URGENT_INPUT)) {
    inputs.push({
      name: URGENT_INPUT,
      label: t(locale, 'form.urgent'),
      kind: 'select',
      required: false,
      options: [
        { value: 'no', label: t(locale, 'form.urgent.no') },
        { value: 'yes', label: t(locale, 'form.urgent.yes') },
      ],
      value: prefill[URGENT_INPUT] ?? 'no',
    });
  }
  const type = typeName(def, locale);
  return {
    kind: 'form',
    title: t(locale, requestId ? 'form.title.resubmit' : 'form.title.new', { type }),
    fields: [],
    buttons: [],
    ...(fileFields.length
      ? { markdown: t(locale, 'field.attachments.card_note', { fields: fileFields.map((f) => fieldLabel(f, locale)).join(t(locale, 'field.attachments.sep')), word: startCommand(def, locale) }) }
      : {}),
    form: {
      inputs,
      submit: {
        label: t(locale, requestId ? 'form.resubmit' : 'form.submit'),
        action: requestId ? { a: 'resubmit', r: requestId, t: def.id } : { a: 'submit', t: def.id },
      },
    },
  };
}
