// Money and instants as every card and chat shows them.
import { t, type Locale } from '../i18n/index.js';
import { localDateTime, localStamp } from '../time-zone.js';

export const formatDateTime = (value: string | Date, timezone: string): string => localStamp(value, timezone) ?? String(value);

export const formatMoney = (n: number): string =>
  `¥${n.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 })}`;

/** Browser datetime-local inputs send 2026-12-05T14:00, local to the organisation. */
export const fromDateTimeLocal = (text: string) => text.replace(/^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})$/, '$1 $2');

/**
 * The end of a span that stops at midnight reads as 24:00 of its last day ("周六全天" is
 * 周六 00:00–24:00, not "– 周日 00:00").
 */
function localOf(iso: string, timezone: string, end: boolean): { date: string; time: string; weekday: number } | undefined {
  const local = localDateTime(iso, timezone);
  if (!end || local?.time !== '00:00') return local;
  const day = localDateTime(new Date(new Date(iso).getTime() - 1), timezone);
  return day && { ...day, time: '24:00' };
}

/** An instant as cards show it; an end at midnight as 24:00 of the day before. */
export function formatInstant(iso: string, timezone: string, end = false): string {
  const local = localOf(iso, timezone, end);
  return local ? `${local.date} ${local.time}` : formatDateTime(iso, timezone);
}

/** 2026-12-05（周六）14:00 in the organisation's time zone: the weekday confirms "下周五". */
export function displayDateTime(iso: string, timezone: string, locale: Locale, end = false): string {
  const local = localOf(iso, timezone, end);
  if (!local) return iso;
  const weekday = t(locale, 'field.datetime.weekdays').split(',')[local.weekday] ?? '';
  return t(locale, 'field.datetime.read_back', { date: local.date, weekday, time: local.time });
}
