// Value formatting shared by every card: dates in the organisation's timezone, money in yuan.
import type { FieldSpec } from '../src/core/request-types.js';
import { budgetTotal, type BudgetItem } from '../src/core/request-types.js';

export function formatDateTime(iso: string, timezone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

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
