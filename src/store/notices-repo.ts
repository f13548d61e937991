// What a notice writes — a reminder, a pre-event notice, an escalation's words, a 催办 — and the
// last 催办 of a request: audit entries and outbox rows keyed so a replay writes nothing twice.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { AuditEntry, Effect, RequestState } from '../core/model.js';
import { insertRows } from './bulk-insert.js';
import type { DbOrTx } from './db.js';
import { auditLog, outbox } from './schema.js';

export interface NoticeWrite {
  s: RequestState;
  notice: { effects: Effect[]; audit: AuditEntry[] };
  /** Dedupes the outbox rows: a replay of the same key writes nothing twice. */
  key: string;
}

/** Notices' audit entries and outbox rows, in two inserts for any number of notices. */
export async function writeNotices(tx: DbOrTx, items: NoticeWrite[], at: Date): Promise<void> {
  const audit = items.flatMap(({ s, notice, key }) =>
    notice.audit.map((a) => ({ at, requestId: s.id, actorId: a.actorId, platform: a.platform, action: a.action, stepId: a.stepId ?? null, detail: { ...a.detail, timer: key } })),
  );
  const rows = items.flatMap(({ s, notice, key }) => outboxRows(s.id, notice.effects, key, { version: s.version, round: s.round }));
  // Pipelined on the transaction's connection.
  await Promise.all([insertRows(tx, auditLog, audit), insertRows(tx, outbox, rows, { conflict: sql`on conflict do nothing` })]);
}

function outboxRows(requestId: string | null, effects: Effect[], key: string, extra: Record<string, unknown> = {}) {
  return effects
    .filter((e) => e.kind === 'notify' || e.kind === 'post_approval_card' || e.kind === 'prompt_form' || e.kind === 'refresh_cards')
    .map((e, i) => ({ requestId, kind: e.kind, payload: { ...e, ...extra } as Record<string, unknown>, dedupeKey: `${key}:${i}:${e.kind}` }));
}

export async function writeOutboxRows(tx: DbOrTx, requestId: string | null, effects: Effect[], key: string, extra: Record<string, unknown> = {}): Promise<number> {
  const rows = outboxRows(requestId, effects, key, extra);
  if (!rows.length) return 0;
  const inserted = await tx.insert(outbox).values(rows).onConflictDoNothing().returning({ id: outbox.id });
  return inserted.length;
}

/** When the applicant last nudged (催办) this request, if ever. */
export async function lastNudgedAt(db: DbOrTx, requestId: string): Promise<Date | undefined> {
  const [last] = await db
    .select({ at: auditLog.at })
    .from(auditLog)
    .where(and(eq(auditLog.requestId, requestId), eq(auditLog.action, 'nudged')))
    .orderBy(desc(auditLog.id))
    .limit(1);
  return last?.at;
}
