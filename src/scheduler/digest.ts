// The daily digest (每日摘要): which days and departments a manager's digest covers, and sending
// it once per manager and working day. What it says is the pure core's (core/digest.ts); the
// rows come from store/digest-repo.ts.
import type { Logger } from 'pino';
import { composeDigest, renderDigest, type Digest, type DigestInput, type DigestSummary, type HealthNote } from '../core/digest.js';
import { activeAt } from '../core/delegation.js';
import type { ScheduleSettings } from '../core/reminders.js';
import type { SchedulerStore } from '../store/scheduler-store.js';

/** 'YYYY-MM-DD' plus n calendar days. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + n)).toISOString().slice(0, 10);
}

export function previousWorkday(st: ScheduleSettings, date: string): string {
  let d = addDays(date, -1);
  for (let i = 0; i < 60 && !st.clock.calendar.isWorkday(d); i++) d = addDays(d, -1);
  return d;
}

/** Request types that run the event lifecycle (their payload has start and end). */
export const eventTypes = (st: Pick<ScheduleSettings, 'dir'>): string[] =>
  ['event', ...st.dir.org.requestTypes.map((t) => t.id)].filter((id, i, all) => all.indexOf(id) === i && st.dir.requestType(id)?.lifecycle === 'event');

export interface DigestDeps {
  store: Pick<SchedulerStore, 'digestRows' | 'digestsSentOn' | 'recordDigest' | 'delegationsInForce'>;
  /** The organisation, its working-day calendar and locale come with the settings. */
  settings: ScheduleSettings;
  clock: () => Date;
  log: Logger;
  /** Outbox rows were written (kick the relay). */
  onOutbox?: () => void;
  /** Sources of the admins' "organisation health" section (the org doctor, the directory sync). */
  health?: ReadonlyArray<HealthProvider>;
}

/** One source of organisation-health notes; asked once per digest run. */
export type HealthProvider = () => Promise<HealthNote[]>;

/** Who reads the organisation-health section: the members of role `admin`. */
export const ADMIN_ROLE = 'admin';

export function createDigests(deps: DigestDeps) {
  const { store, settings: st } = deps;
  const { dir } = st;
  const { calendar } = st.clock;

  /** Every provider's notes; one that fails is logged and left out, so the digest still goes. */
  async function healthNotes(): Promise<HealthNote[]> {
    const lists = await Promise.all(
      (deps.health ?? []).map((p) =>
        p().catch((err: unknown) => {
          deps.log.warn({ err }, 'organisation health provider failed');
          return [];
        }),
      ),
    );
    return lists.flat();
  }

  const isAdmin = (personId: string) => dir.roleMembers(ADMIN_ROLE).includes(personId);

  /** What one manager's digest of `date` is made of (with the health notes when they are an admin). */
  async function digestInput(managerId: string, now: Date, date: string, health?: HealthNote[]): Promise<DigestInput> {
    const midnight = (d: string) => calendar.atLocalTime(d, '00:00');
    const yesterday = previousWorkday(st, date);
    // Delegations (委托) in force: the manager's own, the tasks they hold for others, and who acts for whom.
    const inForce = [...activeAt(await store.delegationsInForce(now), now).values()];
    const own = inForce.find((d) => d.principal === managerId);
    const rows = await store.digestRows({
      managerId,
      principals: inForce.filter((d) => d.delegate === managerId).map((d) => d.principal),
      depts: dir.managedDepartments(managerId),
      eventTypes: eventTypes(st),
      now,
      todayStart: midnight(date),
      dayAfterTomorrowStart: midnight(addDays(date, 2)),
      yesterdayStart: midnight(yesterday),
      dayBeforeStart: midnight(previousWorkday(st, yesterday)),
    });
    const tomorrowStart = midnight(addDays(date, 1));
    const summariesOverdue: DigestSummary[] = rows.summaryDue.flatMap((r) => {
      const end = r.end ? new Date(r.end) : undefined;
      if (!end || Number.isNaN(end.getTime())) return [];
      const dueAt = calendar.dueAt(st.summaryDue, end);
      return dueAt <= now ? [{ number: r.number, title: r.title, organiserId: r.organiserId, dueAt, urgent: r.urgent }] : [];
    });
    return {
      managerId,
      date,
      now,
      waiting: rows.waiting,
      overdue: rows.overdue,
      eventsToday: rows.events.filter((e) => e.start < tomorrowStart),
      eventsTomorrow: rows.events.filter((e) => e.start >= tomorrowStart),
      summariesOverdue,
      decided: rows.decided,
      ...(rows.counts ? { counts: rows.counts } : {}),
      ...(health && isAdmin(managerId) ? { health } : {}),
      ...(own ? { away: { delegate: own.delegate, until: new Date(own.endsAt) } } : {}),
      delegates: Object.fromEntries(inForce.map((d) => [d.principal, d.delegate])),
    };
  }

  /** One person's digest for a day (default today), as data and as text; sends nothing. */
  async function digestFor(personId: string, date?: string, health?: HealthNote[]): Promise<{ digest: Digest; text: string }> {
    const now = deps.clock();
    const day = date ?? calendar.localDate(now);
    const notes = health ?? (isAdmin(personId) ? await healthNotes() : undefined);
    const digest = composeDigest(await digestInput(personId, now, day, notes), st.clock);
    return { digest, text: renderDigest(digest, { locale: st.locale, clock: st.clock, personName: (id) => dir.personName(id) }) };
  }

  /**
   * On a working day, one digest per manager and per admin: the digests_sent insert decides who
   * sends (any number of replicas, retries, catch-ups at start-up), in the transaction that
   * writes the message. An admin who manages nothing gets one only when there is something to say.
   */
  async function runDigest(): Promise<{ date: string; sent: string[] }> {
    const date = calendar.localDate(deps.clock());
    const sent: string[] = [];
    if (!calendar.isWorkday(date)) return { date, sent };
    const allClear = dir.org.organisation.digest.allClear;
    // Skip the (query-heavy) composition for managers already served today; the insert below
    // still decides between replicas racing on the same manager.
    const done = await store.digestsSentOn(date);
    const managers = new Set(dir.managers());
    const admins = dir.roleMembers(ADMIN_ROLE).filter((p) => !done.has(p) && dir.person(p));
    const health = admins.length ? await healthNotes() : [];
    for (const managerId of new Set([...managers, ...admins])) {
      if (done.has(managerId)) continue;
      const { digest, text } = await digestFor(managerId, date, health);
      if (digest.empty && !(allClear && managers.has(managerId))) continue;
      if (await store.recordDigest(managerId, date, { key: 'digest.message', params: { text } })) sent.push(managerId);
    }
    if (sent.length) deps.onOutbox?.();
    deps.log.info({ date, sent: sent.length }, 'daily digest');
    return { date, sent };
  }

  /** Down at digest time: send today's digest now, within business hours (still once per manager and day). */
  async function catchUp(): Promise<void> {
    const now = deps.clock();
    const date = calendar.localDate(now);
    const org = dir.org.organisation;
    if (calendar.isWorkday(date) && now >= calendar.atLocalTime(date, org.digest.time) && now < calendar.atLocalTime(date, org.businessHours.end)) await runDigest();
  }

  return { digestFor, runDigest, catchUp };
}

export type Digests = ReturnType<typeof createDigests>;
