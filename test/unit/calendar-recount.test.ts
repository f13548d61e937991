// A new holiday arrangement recounts an open step's deadline (pure rule) and changes the year's
// fingerprint (what the worker compares at start-up).
import { describe, expect, it } from 'vitest';
import { createCalendar } from '../../src/core/calendar/index.js';
import { recalculateDeadline } from '../../src/core/lifecycle.js';
import { submitOk, eventPayload, exampleDir, sh } from '../support/core-fixtures.js';

const base = { timezone: 'Asia/Shanghai', businessHours: { start: '09:00', end: '18:00' } };
const provisional = createCalendar(base);
const official = createCalendar({ ...base, official: { 2027: { holidays: ['2027-01-01', '2027-01-04'], workdays: [] } } });
const fmt = (d: Date) => d.toISOString();

describe('a year fingerprint', () => {
  it('changes with the arrangement and names its source; other years keep theirs', () => {
    expect(provisional.yearFingerprint(2027).source).toBe('provisional');
    expect(official.yearFingerprint(2027).source).toBe('official');
    expect(official.yearFingerprint(2027).hash).not.toBe(provisional.yearFingerprint(2027).hash);
    expect(official.yearFingerprint(2026)).toEqual({ source: 'package', hash: provisional.yearFingerprint(2026).hash });
    // Stable: the same calendar built again says the same.
    expect(createCalendar(base).yearFingerprint(2027)).toEqual(provisional.yearFingerprint(2027));
    // A company day off counts too (it moves deadlines as much).
    expect(createCalendar({ ...base, extraHolidays: ['2026-12-31'] }).yearFingerprint(2026).hash).not.toBe(provisional.yearFingerprint(2026).hash);
  });
});

describe('recalculateDeadline', () => {
  const dir = exampleDir();
  const opened = sh('2026-12-28 10:00');
  const s = submitOk({ dir, wf: dir.workflowFor('event')!, now: opened, dueAt: (spec, from) => provisional.dueAt(spec, from) }, { id: '00000000-0000-4000-a000-000000000001', number: 'A-0001', type: 'event', title: '冬季车主答谢会', applicantId: 'liming', payload: eventPayload() }, 'local').state;
  const ctx = (dueAt = official.dueAt.bind(official)) => ({ dir, wf: dir.workflowFor('event')!, now: sh('2026-12-29 09:30'), dueAt });

  it('moves the open step to the deadline counted under the new calendar, tells the undecided approvers, refreshes the cards', () => {
    expect(s.steps[s.current!]!.dueAt).toBe(sh('2027-01-05 10:00').toISOString());
    const t = recalculateDeadline(s, ctx(), { year: 2027, source: 'official', formatDue: fmt });
    if (!t.ok) throw new Error(JSON.stringify(t));
    expect(t.state.steps[t.state.current!]!.dueAt).toBe(sh('2027-01-06 10:00').toISOString());
    expect(t.state.steps[t.state.current!]!.activatedAt).toBe(opened.toISOString());
    expect(t.audit).toEqual([{ action: 'deadline_recalculated', actorId: null, platform: 'system', stepId: 'dept-lead', detail: { from: sh('2027-01-05 10:00').toISOString(), to: sh('2027-01-06 10:00').toISOString(), year: 2027, source: 'official' } }]);
    expect(t.effects).toEqual([
      { kind: 'notify', people: ['liuyang'], message: { key: 'deadline.recalculated', params: { number: 'A-0001', title: '冬季车主答谢会', step: '部门负责人审批', year: 2027, due: sh('2027-01-06 10:00').toISOString() } } },
      { kind: 'refresh_cards' },
    ]);
    // Counted again under the same calendar: nothing moves, nothing is written.
    expect(recalculateDeadline(t.state, ctx(), { year: 2027, source: 'official', formatDue: fmt })).toMatchObject({ ok: false, message: { key: 'refuse.deadline_unchanged' } });
  });

  it('refuses when the calendar does not move it, or nothing is open', () => {
    expect(recalculateDeadline(s, ctx(provisional.dueAt.bind(provisional)), { year: 2027, source: 'provisional', formatDue: fmt }).ok).toBe(false);
    expect(recalculateDeadline({ ...s, status: 'approved', current: null }, ctx(), { year: 2027, source: 'official', formatDue: fmt }).ok).toBe(false);
  });
});

describe('recalculateDeadline when the year stays provisional', () => {
  it('does not name the State Council (a change of company days off)', () => {
    const dir = exampleDir();
    const s = submitOk({ dir, wf: dir.workflowFor('event')!, now: sh('2026-12-28 10:00'), dueAt: (spec, from) => provisional.dueAt(spec, from) }, { id: '00000000-0000-4000-a000-000000000002', number: 'A-0002', type: 'event', title: 'x', applicantId: 'liming', payload: eventPayload() }, 'local').state;
    const companyOff = createCalendar({ ...base, extraHolidays: ['2027-01-05'] });
    const t = recalculateDeadline(s, { dir, wf: dir.workflowFor('event')!, now: sh('2026-12-29 09:30'), dueAt: (spec, from) => companyOff.dueAt(spec, from) }, { year: 2027, source: 'provisional', formatDue: fmt });
    expect(t).toMatchObject({ ok: true, effects: [{ kind: 'notify', message: { key: 'deadline.recalculated_calendar' } }, { kind: 'refresh_cards' }] });
  });
});
