// Due specs as written in the org file (see dueSpec in src/org/schema.ts, which accepts the
// same grammar): `5wd`, `8wh`, `48h`, `3d`, `30m`, `17:00`.

export type DueSpec =
  /** n working days of working time (n × business-hours length). */
  | { kind: 'workingDays'; amount: number }
  /** n hours counted only during working time. */
  | { kind: 'workingHours'; amount: number }
  /** Plain elapsed time regardless of the calendar; `d` is 24 h. */
  | { kind: 'duration'; ms: number }
  /** A local clock time today if still ahead on a working day, else on the next working day. */
  | { kind: 'clock'; time: string; minutes: number };

/** Large enough for any real deadline; bounds the day-by-day walk of a typo like `50000wd`. */
export const MAX_DUE_AMOUNT = 10_000;

const UNIT_MS = { h: 3_600_000, d: 86_400_000, m: 60_000 } as const;
const AMOUNT = /^(\d+)(wd|wh|h|d|m)$/;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const HINT = 'use e.g. 5wd, 8wh, 48h, 3d, 30m or 17:00';

export function parseDueSpec(spec: string): DueSpec {
  if (typeof spec !== 'string') throw new Error(`invalid due spec ${String(spec)}: ${HINT}`);
  const clock = CLOCK.exec(spec);
  if (clock) return { kind: 'clock', time: spec, minutes: Number(clock[1]) * 60 + Number(clock[2]) };
  const m = AMOUNT.exec(spec);
  if (!m) throw new Error(`invalid due spec "${spec}": ${HINT}`);
  const amount = Number(m[1]);
  if (amount > MAX_DUE_AMOUNT) throw new Error(`invalid due spec "${spec}": amount exceeds ${MAX_DUE_AMOUNT}`);
  switch (m[2]) {
    case 'wd':
      return { kind: 'workingDays', amount };
    case 'wh':
      return { kind: 'workingHours', amount };
    case 'h':
    case 'd':
    case 'm':
      return { kind: 'duration', ms: amount * UNIT_MS[m[2]] };
    default:
      throw new Error(`invalid due spec "${spec}": ${HINT}`);
  }
}
