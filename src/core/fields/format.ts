// Money and instants as every card and chat shows them.
import { localStamp } from '../time-zone.js';

export const formatDateTime = (value: string | Date, timezone: string): string => localStamp(value, timezone) ?? String(value);

export const formatMoney = (n: number): string =>
  `¥${n.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 })}`;
