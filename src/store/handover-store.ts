// What the hand-over service reads and writes besides transitions (those go through the approval
// service): a person's open tasks and unfinished requests, and a notice written once by its key.
import type { AuditEntry, Effect } from '../core/model.js';
import type { Db } from './db.js';
import { writeOutboxRows } from './notices-repo.js';
import { inactiveApprovers, openTasksOf, unfinishedRequestsOf, writeAudit } from './requests-repo.js';

export function handoverStore(db: Db) {
  return {
    openTasksOf: (personId: string) => openTasksOf(db, personId),
    unfinishedRequestsOf: (personId: string) => unfinishedRequestsOf(db, personId),
    inactiveApprovers: () => inactiveApprovers(db),
    /** Outbox rows and an audit entry for a request, once per key: false when the key was written before. */
    async noticeOnce(requestId: string, effects: Effect[], audit: AuditEntry[], key: string): Promise<boolean> {
      return db.transaction(async (tx) => {
        const written = await writeOutboxRows(tx, requestId, effects, key);
        if (written) await writeAudit(tx, requestId, audit);
        return written > 0;
      });
    },
  };
}

export type HandoverStore = ReturnType<typeof handoverStore>;
