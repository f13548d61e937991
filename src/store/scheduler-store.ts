// The scheduler's view of the database: its queries bound to the pool or to one transaction, so
// src/scheduler holds no SQL and no `database`. Opening a transaction stays the scheduler's
// decision (`transaction`: a firing locks, claims and writes in one); the approval service's hook
// brings its own (`within`).
import type { DbOrTx, Db } from './db.js';
import { anyFingerprint, lastFingerprints, openStepsDueAfter, recordFingerprint } from './calendar-repo.js';
import { delegationsInForce } from './delegations-repo.js';
import { digestRows, digestsSentOn, recordDigest } from './digest-repo.js';
import { lastNudgedAt, writeNotices } from './notices-repo.js';
import { isUuid, loadRequest, loadRequestByNumber, loadRequests } from './requests-repo.js';
import { pruneProcessedEvents } from './retention.js';
import { claimEscalation, claimKind, claimTimer, claimTimers, dueTimers, insertPoints, pendingPage, readTimers, requestsWithPendingTimers, syncChains } from './timers-repo.js';

type Bound<F> = F extends (db: DbOrTx, ...rest: infer A) => infer R ? (...rest: A) => R : never;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Query = (db: DbOrTx, ...rest: any[]) => unknown;
/** Each of `fns` with its first argument (the pool or a transaction) given. */
function bindAll<T extends Record<string, Query>>(db: DbOrTx, fns: T): { [K in keyof T]: Bound<T[K]> } {
  return Object.fromEntries(Object.entries(fns).map(([name, f]) => [name, (...rest: unknown[]) => f(db, ...rest)])) as { [K in keyof T]: Bound<T[K]> };
}

/** The timers' queries (and the request locks that go before them), on `db`. */
export function timerQueries(db: DbOrTx) {
  return {
    /** Lock a request's row (request before timers: the lock order of every transition). */
    lockRequest: (id: string) => loadRequest(db, id, { forUpdate: true }),
    lockRequests: (ids: string[]) => loadRequests(db, ids, { forUpdate: true }),
    /** Lock a request by its id or its number (A-0001). */
    lockRequestByRef: (ref: string) => (isUuid(ref) ? loadRequest(db, ref, { forUpdate: true }) : loadRequestByNumber(db, ref.trim(), { forUpdate: true })),
    ...bindAll(db, {
      read: readTimers,
      due: dueTimers,
      pendingPage,
      claim: claimTimer,
      claimAll: claimTimers,
      claimEscalation,
      claimKind,
      syncChains,
      insertPoints,
      writeNotices,
      lastNudgedAt,
      /** Delegations in force at an instant (委托): task notices follow them. */
      delegationsInForce,
    }),
  };
}
export type TimerQueries = ReturnType<typeof timerQueries>;

/** What the working-day calendar said about each year, and the deadlines a change may move. */
export const calendarYearQueries = (db: DbOrTx) => bindAll(db, { anyFingerprint, lastFingerprints, recordFingerprint, openStepsDueAfter });
export type CalendarYearQueries = ReturnType<typeof calendarYearQueries>;

export function createSchedulerStore(db: Db) {
  return {
    ...timerQueries(db),
    /** Run `work` in one transaction, with the queries bound to it. */
    transaction: <T>(work: (q: TimerQueries) => Promise<T>): Promise<T> => db.transaction((tx) => work(timerQueries(tx))),
    /** The queries inside a transaction another service opened. */
    within: (tx: DbOrTx): TimerQueries => timerQueries(tx),
    ...bindAll(db, { pruneProcessedEvents, digestRows, digestsSentOn }),
    /** Every request with a pending timer (the simulator's demo clock looks for where to jump). */
    scheduledRequests: async () => [...(await loadRequests(db, await requestsWithPendingTimers(db))).values()],
    recordDigest: (managerId: string, day: string, message: Parameters<typeof recordDigest>[3]) => recordDigest(db, managerId, day, message),
    calendarYears: calendarYearQueries(db),
  };
}
export type SchedulerStore = ReturnType<typeof createSchedulerStore>;
