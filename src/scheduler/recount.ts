// When the holiday calendar changes (an official arrangement in the organisation file replaces a
// provisional year, or a newer chinese-days knows the year), open deadlines counted under the old
// calendar are counted again. At start-up the worker compares each year of the planning horizon
// (this year and next) with the fingerprint recorded last; for a changed year, every open step
// due after now is recounted through the approval service (the step's deadline, an audit entry,
// its reminders and escalation moved by syncChains, the undecided approvers told, the cards
// refreshed — one transaction per request, keyed so each person is told once per change), and
// only then is the new fingerprint recorded: a start that fails half-way does it again.
import type { Logger } from 'pino';
import type { WorkCalendar, YearFingerprint } from '../core/calendar/index.js';
import { formatLocal } from '../core/reminders.js';
import type { Approvals } from '../services/approvals.js';
import type { CalendarYearQueries } from '../store/scheduler-store.js';
import { forEachLimit } from '../util/for-each-limit.js';

export interface RecountDeps {
  store: CalendarYearQueries;
  calendar: WorkCalendar;
  approvals: () => Approvals;
  timezone: string;
  log: Logger;
  now: Date;
}

export interface RecountResult {
  /** Years whose calendar changed since the last start. */
  changed: number[];
  /** Steps whose deadline moved. */
  moved: number;
}

export async function recountDeadlines(deps: RecountDeps): Promise<RecountResult> {
  const { store, calendar, log, now } = deps;
  const year = Number(calendar.localDate(now).slice(0, 4));
  const current = new Map<number, YearFingerprint>([year, year + 1].map((y) => [y, calendar.yearFingerprint(y)]));
  // The first start with this table: deadlines were counted under an unknown calendar, so only record.
  const first = !(await store.anyFingerprint());
  const last = await store.lastFingerprints([...current.keys()]);
  const changed = first
    ? []
    : [...current].filter(([y, fp]) => {
        const prev = last.get(y);
        return prev !== undefined && (prev.fingerprint !== fp.hash || prev.source !== fp.source);
      });
  let moved = 0;
  if (changed.length) {
    const [firstYear] = changed[0]!;
    // Per change (its sequence number): a year that changes back and forth is recounted each time.
    const tag = changed.map(([y, fp]) => `${y}.${last.get(y)!.seq + 1}-${fp.hash}`).join('+');
    // A deadline that has passed was acted on (escalated) already; only those still ahead move.
    const steps = await store.openStepsDueAfter(now);
    // Days of a year only count towards deadlines that end in it or later.
    const from = calendar.atLocalTime(`${firstYear}-01-01`, '00:00');
    const candidates = steps.filter((st) => st.dueAt >= from);
    await forEachLimit(candidates, 4, async (st) => {
      // The year named in the notice: the last changed year the deadline reaches into.
      const [named, fp] = changed.filter(([y]) => y <= Number(calendar.localDate(st.dueAt).slice(0, 4))).at(-1) ?? changed[0]!;
      const r = await deps.approvals().recalculateDeadline(
        st.requestId,
        { year: named, source: fp.source, formatDue: (d) => formatLocal(d, deps.timezone) },
        `calendar:${st.requestId}:${st.round}:${st.stepId}:${tag}`,
      );
      if (r.ok && !r.duplicate) moved++;
    });
    log.info({ changed: changed.map(([y, fp]) => ({ year: y, source: fp.source })), candidates: candidates.length, moved }, 'calendar changed: open deadlines recounted');
  }
  for (const [y, fp] of current) {
    const prev = last.get(y);
    if (prev && prev.fingerprint === fp.hash && prev.source === fp.source) continue;
    await store.recordFingerprint(y, (prev?.seq ?? 0) + 1, fp.source, fp.hash);
  }
  return { changed: changed.map(([y]) => y), moved };
}
