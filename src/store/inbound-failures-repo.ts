// An inbound event the worker gave up on: an audit entry and, for someone we can reach, a notice
// in the outbox, in one transaction. The outbox row's dedupe key makes a second record a no-op.
import type { AuditEntry, MessageIntent } from '../core/model.js';
import type { Db } from './db.js';
import { auditLog, outbox } from './schema.js';

export interface InboundFailure {
  /** `<platform>:<eventId>`, the key the event's writes would have carried. */
  eventKey: string;
  requestId: string | null;
  audit: AuditEntry;
  notify?: { people: string[]; message: MessageIntent };
}

/** False when this event's failure was already recorded. */
export async function recordInboundFailure(db: Db, f: InboundFailure): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (f.notify) {
      const rows = await tx
        .insert(outbox)
        .values({ requestId: f.requestId, kind: 'notify', payload: { kind: 'notify', ...f.notify }, dedupeKey: `inbound-failed:${f.eventKey}` })
        .onConflictDoNothing()
        .returning({ id: outbox.id });
      if (!rows.length) return false;
    }
    await tx.insert(auditLog).values({
      requestId: f.requestId,
      actorId: f.audit.actorId,
      platform: f.audit.platform,
      action: f.audit.action,
      stepId: f.audit.stepId ?? null,
      detail: { ...f.audit.detail, event: f.eventKey },
    });
    return true;
  });
}
