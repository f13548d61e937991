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

/** The UTC offset (ms) at `ms` straight from Intl: a few µs each, the hot spot of calendar math. */
export function offsetAt(ms: number, fmt: Intl.DateTimeFormat): number {
  const w = wallTimeOf(new Date(ms), fmt);
  // Intl drops milliseconds; put them back so offsets come out whole.
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) + (((ms % 1000) + 1000) % 1000) - ms;
}

const SLICE = 15 * 60_000;
const clocks = new Map<string, (ms: number) => number>();

/**
 * The wall clock of `timeZone`: an instant (epoch ms) → its local wall time written as if it
 * were UTC; null for a zone that is not a valid IANA name. Offsets are cached per 15-minute
 * slice of UTC when the offset is the same at both ends of the slice (no two transitions fall
 * within 15 minutes of each other); a slice with a transition inside is read per instant.
 */
export function wallClock(timeZone: string): ((ms: number) => number) | null {
  const cached = clocks.get(timeZone);
  if (cached) return cached;
  const fmt = zoneFormatter(timeZone);
  if (!fmt) return null;
  const slices = new Map<number, number | null>();
  const wall = (ms: number): number => {
    const k = Math.floor(ms / SLICE);
    let o = slices.get(k);
    if (o === undefined) {
      const start = offsetAt(k * SLICE, fmt);
      o = start === offsetAt(k * SLICE + SLICE - 1, fmt) ? start : null;
      if (slices.size >= 100_000) slices.clear();
      slices.set(k, o);
    }
    return ms + (o ?? offsetAt(ms, fmt));
  };
  clocks.set(timeZone, wall);
  return wall;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as local "YYYY-MM-DD HH:mm" (cards, messages, form values), or undefined for a bad value. */
export function localStamp(value: string | Date, timeZone: string): string | undefined {
  const local = localDateTime(value, timeZone);
  return local && `${local.date} ${local.time}`;
}

/** The local date of an instant as YYYY-MM-DD and time as HH:mm, or undefined for a bad value. */
export function localDateTime(value: string | Date, timeZone: string): { date: string; time: string; weekday: number } | undefined {
  const d = value instanceof Date ? value : new Date(value);
  const wallOf = wallClock(timeZone);
  if (Number.isNaN(d.getTime()) || !wallOf) return undefined;
  const w = new Date(wallOf(d.getTime()));
  return {
    date: `${w.getUTCFullYear()}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}`,
    time: `${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}`,
    weekday: w.getUTCDay(),
  };
}
