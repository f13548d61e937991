// Delegation (委托 / 代理审批): create, cancel and list delegations, and announce those that have
// started. The rules are the core's (src/core/delegation.ts); a delegation acts through every
// transition of the approval service (who may decide for whom, who gets the task cards), so
// its end needs no job: past `ends_at` it is simply no longer in force.
import { randomUUID } from 'node:crypto';
import type { WorkCalendar } from '../core/calendar/index.js';
import { checkNew, periodText, type Delegation, type DelegationMode, type DelegationRefusal } from '../core/delegation.js';
import type { MessageIntent } from '../core/model.js';
import { localStamp } from '../core/time-zone.js';
import type { Directory } from '../org/directory.js';
import type { DelegationStore } from '../store/delegations-repo.js';

export interface DelegationsDeps {
  store: DelegationStore;
  dir: Directory;
  calendar: WorkCalendar;
  now: () => Date;
  /** Outbox rows were written (a start announced): kick the relay. */
  onCommitted?: () => void;
}

export type CreateResult = { ok: true; delegation: Delegation } | { ok: false; code: DelegationRefusal['code'] | 'unknown_person'; message: MessageIntent };

export function createDelegations(deps: DelegationsDeps) {
  const { store, dir, calendar } = deps;
  const stamp = (at: Date) => localStamp(at, dir.timezone) ?? at.toISOString();
  const period = (d: Pick<Delegation, 'startsAt' | 'endsAt'>) => periodText(d, calendar, stamp);

  function refusalMessage(r: DelegationRefusal): MessageIntent {
    switch (r.code) {
      case 'overlap':
        return { key: 'delegation.refuse.overlap', params: { who: dir.personName(r.with.delegate), ...period(r.with) } };
      case 'cycle':
        return { key: 'delegation.refuse.cycle', params: { who: dir.personName(r.with.principal) } };
      case 'self':
        return { key: 'delegation.refuse.self', params: {} };
      case 'empty_period':
        return { key: 'delegation.refuse.empty_period', params: {} };
    }
  }

  /**
   * Delegations that started since the last look: their delegates get the principals' open tasks;
   * those that ended or were cancelled: the principals get them back (store.announce). Run at
   * creation, cancellation and from the periodic housekeeping, so it is rebuilt from Postgres.
   */
  async function announce(): Promise<{ started: number; ended: number }> {
    const r = await store.announce(deps.now(), (d) => ({ key: 'delegation.started', params: { principal: dir.personName(d.principal), ...period(d) } }));
    if (r.started.length || r.ended.length) deps.onCommitted?.();
    return { started: r.started.length, ended: r.ended.length };
  }

  async function create(input: { principal: string; delegate: string; startsAt: Date; endsAt: Date; createdBy: string; mode?: DelegationMode }): Promise<CreateResult> {
    for (const p of [input.principal, input.delegate]) {
      if (!dir.person(p)) return { ok: false, code: 'unknown_person', message: { key: 'delegation.refuse.unknown_person', params: { name: p } } };
    }
    const now = deps.now();
    const d: Delegation = {
      id: randomUUID(),
      principal: input.principal,
      delegate: input.delegate,
      startsAt: input.startsAt.toISOString(),
      endsAt: input.endsAt.toISOString(),
      mode: input.mode ?? dir.org.organisation.delegation.mode,
      createdBy: input.createdBy,
    };
    const refused = await store.create(d, now, (live) => checkNew(d, live));
    if (refused) return { ok: false, code: refused.code, message: refusalMessage(refused) };
    if (Date.parse(d.startsAt) <= now.getTime()) await announce();
    return { ok: true, delegation: d };
  }

  /** Cancel the principal's current and upcoming delegations (取消委托); the ones cancelled. */
  async function cancelAllOf(principal: string): Promise<Delegation[]> {
    const now = deps.now();
    const mine = (await store.live([principal], now)).filter((d) => d.principal === principal);
    const done: Delegation[] = [];
    for (const d of mine) if (await store.cancel(d.id, now)) done.push(d);
    if (done.length) await announce();
    return done;
  }

  /** Cancel every current and upcoming delegation a person gives or holds (they left). */
  async function cancelInvolving(personId: string): Promise<Delegation[]> {
    const now = deps.now();
    const done: Delegation[] = [];
    for (const d of await store.live([personId], now)) if (await store.cancel(d.id, now)) done.push(d);
    if (done.length) await announce();
    return done;
  }

  return {
    create,
    cancelAllOf,
    cancelInvolving,
    async cancel(id: string): Promise<boolean> {
      const done = await store.cancel(id, deps.now());
      if (done) await announce();
      return done;
    },
    byId: (id: string) => store.byId(id),
    /** Current and upcoming delegations a person gives or holds. */
    live: (personId: string) => store.live([personId], deps.now()),
    announce,
    period,
    /** The working-day calendar periods are read with ("3个工作日"). */
    calendar,
  };
}

export type Delegations = ReturnType<typeof createDelegations>;
