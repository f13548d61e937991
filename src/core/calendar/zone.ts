// Wall-clock arithmetic for one IANA time zone via Intl, so no fixed offset is assumed.
// Days are numbered as days since 1970-01-01 of the *local* calendar.

export const DAY_MS = 86_400_000;

export interface Zone {
  /** Local calendar day (days since 1970-01-01) of an instant (epoch ms). */
  dayOf(ms: number): number;
  /** Instant (epoch ms) of a local wall-clock time `minutes` after midnight of local `day`. */
  instantOf(day: number, minutes: number): number;
}

export function createZone(timeZone: string): Zone {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new Error(`calendar: unknown IANA time zone "${timeZone}"`);
  }

  // The local wall time of `ms`, expressed as if that wall time were UTC.
  function wallOf(ms: number): number {
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const p of fmt.formatToParts(ms)) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': s = Number(p.value); break;
        default: break;
      }
    }
    // Intl drops milliseconds; put them back so offsets come out whole.
    return Date.UTC(y, mo - 1, d, h, mi, s) + (((ms % 1000) + 1000) % 1000);
  }
  const offset = (ms: number): number => wallOf(ms) - ms;

  return {
    dayOf: (ms) => Math.floor(wallOf(ms) / DAY_MS),
    instantOf(day, minutes) {
      const wall = day * DAY_MS + minutes * 60_000;
      // UTC offsets lie within -12h..+14h, so the offsets 14 h either side bracket any
      // transition affecting this wall time.
      const before = offset(wall - 14 * 3_600_000);
      const after = offset(wall + 14 * 3_600_000);
      if (before === after) return wall - before;
      const a = wall - before;
      const b = wall - after;
      const aOk = offset(a) === before;
      const bOk = offset(b) === after;
      // Same choice as Temporal's 'compatible': the earlier instant of a repeated wall
      // time; for a skipped wall time, shift forward by the gap (wall - before).
      if (aOk && bOk) return Math.min(a, b);
      if (bOk && !aOk) return b;
      return a;
    },
  };
}
