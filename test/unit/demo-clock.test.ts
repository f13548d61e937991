// Where the demo clock's fast-forward lands: the next digest on a working day, and the chain's
// deadline behind its pending reminders (only a chain's next point has a timer row).
import { describe, expect, it } from 'vitest';
import { landingAt, nextDigestAt, nextPointAt } from '../../src/core/demo-clock.js';
import { settingsFrom } from '../../src/core/reminders.js';
import { ctxFor, eventPayload, exampleDir, NOW, shanghaiCalendar, sh, submitOk } from '../support/core-fixtures.js';

describe('demo clock targets', () => {
  it('the next digest is today before its time, else the next working day (a weekend is skipped)', () => {
    expect(nextDigestAt(shanghaiCalendar, sh('2026-11-23 08:00'), '09:00')).toEqual(sh('2026-11-23 09:00'));
    expect(nextDigestAt(shanghaiCalendar, sh('2026-11-23 09:00'), '09:00')).toEqual(sh('2026-11-24 09:00'));
    // Friday evening → Monday.
    expect(nextDigestAt(shanghaiCalendar, sh('2026-11-27 18:00'), '09:00')).toEqual(sh('2026-11-30 09:00'));
  });

  it('finds the deadline behind the reminders, and nothing once it has passed', () => {
    const dir = exampleDir();
    const settings = settingsFrom(dir, shanghaiCalendar, 'zh-CN');
    const ctx = { ...ctxFor(dir), dueAt: (spec: string, from: Date) => shanghaiCalendar.dueAt(spec, from) };
    const s = submitOk(ctx, { id: '00000000-0000-4000-a000-00000000d0c1', number: 'A-1', type: 'event', title: 'x', applicantId: 'liming', payload: eventPayload() }, 'local').state;
    const step = s.steps.find((x) => x.status === 'active')!;
    const reminder = nextPointAt([s], settings, ['remind'], NOW)!;
    const deadline = nextPointAt([s], settings, ['escalate'], NOW)!;
    expect(reminder.getTime()).toBeLessThan(deadline.getTime());
    expect(deadline.getTime()).toBeGreaterThanOrEqual(new Date(step.dueAt!).getTime());
    expect(nextPointAt([s], settings, ['escalate'], landingAt(deadline))).toBeUndefined();
    expect(nextPointAt([], settings, ['escalate'], new Date(0))).toBeUndefined();
  });
});
