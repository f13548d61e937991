// One way to read wall clocks in an IANA time zone (Intl only: no fixed offsets, no dependence
// on the process time zone). Shared by the working-day calendar and the input parsers.

export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter for `timeZone`, or null if the zone is not a valid IANA name. */
export function zoneFormatter(timeZone: string): Intl.DateTimeFormat | null {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  try {
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, fmt);
    return fmt;
  } catch {
    return null;
  }
}

/** The wall-clock reading of `instant` in the formatter's zone. */
export function wallTimeOf(instant: Date, fmt: Intl.DateTimeFormat): WallTime {
  const w: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const p of fmt.formatToParts(instant)) {
    if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute' || p.type === 'second') {
      w[p.type] = Number(p.value);
    }
  }
  return w;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local date of an instant as YYYY-MM-DD and time as HH:mm, or undefined for a bad value. */
export function localDateTime(value: string | Date, timeZone: string): { date: string; time: string; weekday: number } | undefined {
  const d = value instanceof Date ? value : new Date(value);
  const fmt = zoneFormatter(timeZone);
  if (Number.isNaN(d.getTime()) || !fmt) return undefined;
  const w = wallTimeOf(d, fmt);
  return {
    date: `${w.year}-${pad(w.month)}-${pad(w.day)}`,
    time: `${pad(w.hour)}:${pad(w.minute)}`,
    weekday: new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay(),
  };
}
