// An itemised budget: items with an amount each, shown with their total. Read with its
// certainty like money (readBudget).
import { z } from 'zod';
import { t } from '../i18n/index.js';
import { formatYuan, readBudget } from '../parse/index.js';
import type { FieldKind } from './kind.js';
import { formatMoney } from './format.js';
import { fieldLabel } from './spec.js';

export interface BudgetItem {
  item: string;
  amount: number;
}

export function budgetTotal(items: unknown): number {
  return Array.isArray(items) ? (items as BudgetItem[]).reduce((s, i) => s + (Number(i.amount) || 0), 0) : 0;
}

export const budget: FieldKind = {
  name: 'budget',
  schema: (_spec, locale) =>
    z
      .array(z.object({ item: z.string().trim().min(1).max(50), amount: z.number().positive().max(1e9) }).strict())
      .min(1, t(locale, 'field.budget.empty')),
  read(_spec, text) {
    const r = readBudget(text);
    return r.ok ? { ok: true, value: { value: r.value.items, unsure: r.value.unsure } } : r;
  },
  format(_spec, value, ctx) {
    const items = value as BudgetItem[];
    const list = items.map((i) => `${i.item} ${formatMoney(i.amount)}`).join(t(ctx.locale, 'field.budget.separator'));
    return t(ctx.locale, 'field.budget.value', { items: list, total: formatMoney(budgetTotal(items)) });
  },
  input: 'textarea',
  wide: true,
  hint: (spec, _def, locale) => t(locale, 'field.budget.hint', { example: spec.example ?? t(locale, 'field.budget.example') }),
  unsure: {
    refusal: (spec, reasons, locale) =>
      t(locale, 'parse.unsure.card_budget', { field: fieldLabel(spec, locale), reasons, example: spec.example ?? t(locale, 'field.budget.example_certain') }),
    // Items as typed (3000), the total grouped (8,700), as people write them.
    readBack: (value, locale) =>
      t(locale, 'dialog.check.budget', {
        items: (value as BudgetItem[]).map((i) => `${i.item} ${String(i.amount)}`).join(t(locale, 'field.budget.read_back_separator')),
        total: formatYuan(budgetTotal(value)),
      }),
  },
};
