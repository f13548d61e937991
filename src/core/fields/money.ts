// An amount in yuan. Typed amounts carry their certainty (readMoney): a formula or shorthand
// ("50×30", "2k") is read back in a dialog and refused where nobody can be asked.
import { z } from 'zod';
import { t } from '../i18n/index.js';
import { formatYuan, readMoney } from '../parse/index.js';
import type { FieldKind } from './kind.js';
import { formatMoney } from './format.js';
import { fieldLabel } from './spec.js';

export const money: FieldKind = {
  name: 'money',
  schema: () => z.number().positive().max(1e9),
  read(_spec, text) {
    const r = readMoney(text);
    return r.ok ? { ok: true, value: { value: r.value.value, unsure: r.value.unsure } } : r;
  },
  format: (_spec, value) => formatMoney(Number(value)),
  input: 'number',
  wide: false,
  // Certain forms only: "2k" or "50×30" would be read back before they are kept.
  hint: (spec, _def, locale) => t(locale, 'field.money.hint', { example: spec.example ?? t(locale, 'field.money.example') }),
  unsure: {
    refusal: (spec, reasons, locale) => t(locale, 'parse.unsure.card_money', { field: fieldLabel(spec, locale), reasons, example: spec.example ?? '2000' }),
    readBack: (value, locale) => t(locale, 'dialog.check.money', { amount: formatYuan(Number(value)) }),
  },
};
