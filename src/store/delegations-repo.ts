// Delegations (委托): who acts for whom, when (src/core/delegation.ts holds the rules).
import { and, asc, eq, gt, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import { activeAt, pendingWithDelegations, type Delegation, type DelegationMode } from '../core/delegation.js';
import type { MessageIntent } from '../core/model.js';
import type { Db, DbOrTx } from './db.js';
import { writeOutboxRows } from './notices-repo.js';
import { pendingFor, writeAudit } from './requests-repo.js';
import { delegations } from './schema.js';

type Row = typeof delegations.$inferSelect;

const toDelegation = (r: Row): Delegation => ({
  id: r.id,
  principal: r.principal,
  delegate: r.delegate,
  startsAt: r.startsAt.toISOString(),
  endsAt: r.endsAt.toISOString(),
  mode: r.mode as DelegationMode,
  createdBy: r.createdBy,
  ...(r.cancelledAt ? { cancelledAt: r.cancelledAt.toISOString() } : {}),
});

/** Delegations in force at `at` (not cancelled, started, not ended). */
export async function delegationsInForce(db: DbOrTx, at: Date): Promise<Delegation[]> {
  const rows = await db
    .select()
    .from(delegations)
    .where(and(isNull(delegations.cancelledAt), lte(delegations.startsAt, at), gt(delegations.endsAt, at)));
  return rows.map(toDelegation);
}

/**
 * A person's 待办 with delegation (委托): their own open tasks, and those of every principal whose
 * delegation to them is in force at `at` (core pendingWithDelegations marks which is which).
 */
export async function pendingWithDelegated(db: DbOrTx, personId: string, at: Date) {
  const [own, inForce] = await Promise.all([pendingFor(db, personId), delegationsInForce(db, at)]);
  const principals = inForce.filter((d) => d.delegate === personId).map((d) => d.principal);
  const rows = await Promise.all(principals.map(async (principal) => ({ principal, rows: await pendingFor(db, principal) })));
  return pendingWithDelegations(personId, own, rows, activeAt(inForce, at));
}

/** Not cancelled and not ended at `at` (current or upcoming), of these people as principal or delegate. */
export async function liveDelegationsOf(db: DbOrTx, people: string[], at: Date): Promise<Delegation[]> {
  if (!people.length) return [];
  const involves = or(...people.flatMap((p) => [eq(delegations.principal, p), eq(delegations.delegate, p)]));
  const rows = await db
    .select()
    .from(delegations)
    .where(and(isNull(delegations.cancelledAt), gt(delegations.endsAt, at), involves))
    .orderBy(asc(delegations.startsAt));
  return rows.map(toDelegation);
}

/** Serialises creations for a principal and a delegate, so two overlapping ones cannot both pass the check. */
export async function lockPeople(tx: DbOrTx, people: string[]): Promise<void> {
  for (const p of [...new Set(people)].sort()) await tx.execute(sqlLock(p));
}

const sqlLock = (p: string) => sql`select pg_advisory_xact_lock(hashtext(${`delegation:${p}`}))`;

export async function insertDelegation(tx: DbOrTx, d: Delegation): Promise<void> {
  await tx.insert(delegations).values({
    id: d.id,
    principal: d.principal,
    delegate: d.delegate,
    startsAt: new Date(d.startsAt),
    endsAt: new Date(d.endsAt),
    mode: d.mode,
    createdBy: d.createdBy,
  });
}

export async function delegationById(db: DbOrTx, id: string): Promise<Delegation | undefined> {
  const [row] = await db.select().from(delegations).where(eq(delegations.id, id));
  return row ? toDelegation(row) : undefined;
}

/** Cancel one delegation; false when it was cancelled already. */
export async function cancelDelegation(db: DbOrTx, id: string, at: Date): Promise<boolean> {
  const rows = await db.update(delegations).set({ cancelledAt: at }).where(and(eq(delegations.id, id), isNull(delegations.cancelledAt))).returning({ id: delegations.id });
  return rows.length === 1;
}

/** Claim the delegations that were announced and have ended or been cancelled, once. */
export async function claimEndedDelegations(tx: DbOrTx, at: Date): Promise<Delegation[]> {
  const rows = await tx
    .update(delegations)
    .set({ closedAt: at })
    .where(and(isNull(delegations.closedAt), isNotNull(delegations.announcedAt), or(lte(delegations.endsAt, at), isNotNull(delegations.cancelledAt))))
    .returning();
  return rows.map(toDelegation);
}

/** Claim the delegations that have started and whose delegate was not yet sent the principal's open tasks. */
export async function claimStartedDelegations(tx: DbOrTx, at: Date): Promise<Delegation[]> {
  const rows = await tx
    .update(delegations)
    .set({ announcedAt: at })
    .where(and(isNull(delegations.cancelledAt), isNull(delegations.announcedAt), lte(delegations.startsAt, at), gt(delegations.endsAt, at)))
    .returning();
  return rows.map(toDelegation);
}

/**
 * The delegations store the service is given: creation under a lock with the check run on what
 * is live, cancellation, listing, and the start announcement — each started delegation, once,
 * sends the delegate a card for every open task of the principal (outbox rows keyed by the
 * delegation and request) and writes a `delegation_started` audit entry on those requests.
 */
export function delegationStore(db: Db) {
  return {
    /** `check` sees the live delegations of both people; a refusal it returns is passed back and nothing is written. */
    async create<R>(d: Delegation, at: Date, check: (live: Delegation[]) => R | undefined): Promise<R | undefined> {
      return db.transaction(async (tx) => {
        await lockPeople(tx, [d.principal, d.delegate]);
        const refused = check(await liveDelegationsOf(tx, [d.principal, d.delegate], at));
        if (refused !== undefined) return refused;
        await insertDelegation(tx, d);
        return undefined;
      });
    },
    live: (people: string[], at: Date) => liveDelegationsOf(db, people, at),
    byId: (id: string) => delegationById(db, id),
    cancel: (id: string, at: Date) => cancelDelegation(db, id, at),
    /**
     * Delegations that started: the delegate gets a card for each open task of the principal and a
     * notice. Delegations that ended or were cancelled: the principal gets their open tasks'
     * cards back (an existing copy is brought up to date rather than sent again). Each once.
     */
    async announce(at: Date, started: (d: Delegation) => MessageIntent): Promise<{ started: Delegation[]; ended: Delegation[] }> {
      return db.transaction(async (tx) => {
        const ended = await claimEndedDelegations(tx, at);
        for (const d of ended) {
          for (const task of await pendingFor(tx, d.principal)) {
            if (d.mode === 'both' || task.applicantId === d.delegate) continue; // the principal had these cards all along
            await writeOutboxRows(tx, task.id, [{ kind: 'post_approval_card', stepId: task.stepId, people: [d.principal], rooms: [] }], `delegation:${d.id}:back:${task.id}`);
          }
        }
        const begun = await claimStartedDelegations(tx, at);
        for (const d of begun) {
          for (const task of await pendingFor(tx, d.principal)) {
            // Never on the delegate's own request: the principal keeps that one.
            if (task.applicantId === d.delegate) continue;
            const written = await writeOutboxRows(tx, task.id, [{ kind: 'post_approval_card', stepId: task.stepId, people: [d.delegate], rooms: [] }], `delegation:${d.id}:${task.id}`);
            if (written) await writeAudit(tx, task.id, [{ action: 'delegation_started', actorId: d.principal, platform: null, stepId: task.stepId, detail: { principal: d.principal, delegate: d.delegate, endsAt: d.endsAt } }]);
          }
          await writeOutboxRows(tx, null, [{ kind: 'notify', people: [d.delegate], message: started(d) }], `delegation:${d.id}:started`);
        }
        return { started: begun, ended };
      });
    },
  };
}

export type DelegationStore = ReturnType<typeof delegationStore>;
