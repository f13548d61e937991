// Value formatting shared by every card: dates in the organisation's timezone, money in yuan.
import type { FieldSpec } from '../src/core/request-types.js';
import { budgetTotal, type BudgetItem } from '../src/core/request-types.js';
import { localStamp } from '../src/core/time-zone.js';

export const formatDateTime = (value: string | Date, timezone: string): string => localStamp(value, timezone) ?? String(value);

export const formatMoney = (n: number): string =>
  `¥${n.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 })}`;

export function formatValue(spec: FieldSpec, value: unknown, timezone: string): string {
  if (value === undefined || value === null || value === '') return '—';
  switch (spec.kind) {
    case 'datetime':
      return formatDateTime(String(value), timezone);
    case 'money':
      return formatMoney(Number(value));
    case 'count':
      return `${String(value)} 人`;
    case 'choice':
      return spec.options?.find((o) => o.value === value)?.label ?? String(value);
    case 'budget': {
      const items = value as BudgetItem[];
      return `${items.map((i) => `${i.item} ${formatMoney(i.amount)}`).join('，')}（合计 ${formatMoney(budgetTotal(items))}）`;
    }
    default:
      return String(value);
  }
}
