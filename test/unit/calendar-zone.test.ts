// The zone's offset cache (per 15-minute slice of UTC) against Intl read afresh for every
// instant, in zones whose transitions are not on whole hours or not on 15-minute marks at all.
import { describe, expect, it } from 'vitest';
import { createZone, DAY_MS } from '../../src/core/calendar/zone.js';
import { wallTimeOf, zoneFormatter } from '../../src/core/time-zone.js';

const wallAsUtc = (ms: number, zone: string) => {
  const w = wallTimeOf(new Date(ms), zoneFormatter(zone)!);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
};

const cases: Array<[zone: string, from: string, to: string]> = [
  ['America/New_York', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z'], // spring forward
  ['America/New_York', '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z'], // fall back
  ['Australia/Lord_Howe', '2026-04-04T00:00:00Z', '2026-04-06T00:00:00Z'], // a 30-minute DST shift
  ['Asia/Kathmandu', '1985-12-30T00:00:00Z', '1986-01-02T00:00:00Z'], // +5:30 → +5:45 at 00:00 local
  ['Africa/Monrovia', '1972-01-06T00:00:00Z', '1972-01-08T00:00:00Z'], // -0:44:30 → 0:00: not on a 15-minute mark
  ['Asia/Shanghai', '2026-01-01T00:00:00Z', '2026-01-03T00:00:00Z'],
];

describe('zone offsets (cached per slice)', () => {
  for (const [zone, from, to] of cases) {
    it(`${zone}: the wall time and local day of every instant match Intl (${from.slice(0, 10)})`, () => {
      const z = createZone(zone);
      let checked = 0;
      // Every 97 s (not a divisor of 15 min, so instants fall all over the slices), and both
      // sides of every second near each slice edge.
      for (let ms = Date.parse(from); ms < Date.parse(to); ms += 97_000) {
        for (const t of [ms, Math.floor(ms / 900_000) * 900_000 - 1, Math.floor(ms / 900_000) * 900_000 + 1]) {
          const wall = wallAsUtc(t, zone) + (((t % 1000) + 1000) % 1000);
          expect(z.wallOf(t), `${zone} ${new Date(t).toISOString()}`).toBe(wall);
          expect(z.dayOf(t)).toBe(Math.floor(wall / DAY_MS));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(1000);
    });
  }

  it('Monrovia 1972: every second of the slice holding the odd-second transition reads its own wall time', () => {
    const z = createZone('Africa/Monrovia');
    // 1972-01-07 00:00 local (-0:44:30) is 00:44:30 UTC; the wall clock jumps to 00:44:30.
    const edge = Date.parse('1972-01-07T00:44:30Z');
    for (let t = Date.parse('1972-01-07T00:30:00Z'); t < Date.parse('1972-01-07T00:45:00Z'); t += 1000) expect(z.wallOf(t), new Date(t).toISOString()).toBe(wallAsUtc(t, 'Africa/Monrovia'));
    let checked = 0;
    for (let t = edge - 150_000; t <= edge + 150_000; t += 30_000) {
      const wall = wallAsUtc(t, 'Africa/Monrovia');
      const day = Math.floor(wall / DAY_MS);
      const minutes = (wall - day * DAY_MS) / 60_000;
      if (Number.isInteger(minutes)) checked++;
      if (Number.isInteger(minutes)) expect(z.instantOf(day, minutes), new Date(t).toISOString()).toBe(t);
      expect(z.dayOf(t)).toBe(day);
    }
    expect(checked).toBe(5); // the wall times after the jump, on whole minutes
  });
});
