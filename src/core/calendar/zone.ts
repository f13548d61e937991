// Wall-clock arithmetic for one IANA time zone via Intl, so no fixed offset is assumed.
// Days are numbered as days since 1970-01-01 of the *local* calendar.

import { wallClock } from '../time-zone.js';

export const DAY_MS = 86_400_000;

export interface Zone {
  /** The local wall time of an instant (epoch ms), written as if that wall time were UTC. */
  wallOf(ms: number): number;
  /** Local calendar day (days since 1970-01-01) of an instant (epoch ms). */
  dayOf(ms: number): number;
  /** Instant (epoch ms) of a local wall-clock time `minutes` after midnight of local `day`. */
  instantOf(day: number, minutes: number): number;
}

export function createZone(timeZone: string): Zone {
  const found = wallClock(timeZone);
  if (!found) throw new Error(`calendar: unknown IANA time zone "${timeZone}"`);
  const wallOf = found;
  const offset = (ms: number): number => wallOf(ms) - ms;

  return {
    wallOf,
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
