// What the deliverer (src/delivery/deliver.ts) reads and writes: the request it renders, the
// recorded card copies, the audit log and the record of finished deliveries.
import type { AuditEntry } from '../core/model.js';
import { cardMessageById, cardMessagesOf, claimRender, findCardMessage, recordCardMessage, updateCardMessage, type CardCopyKey, type NewCardMessage } from './card-messages-repo.js';
import type { DbOrTx } from './db.js';
import { isDeliveryDone, recordDelivery } from './outbox-repo.js';
import { loadRequest, writeAudit } from './requests-repo.js';

export function deliveryStore(db: DbOrTx) {
  return {
    loadRequest: (id: string) => loadRequest(db, id),
    findCard: (key: CardCopyKey) => findCardMessage(db, key),
    recordCard: (row: NewCardMessage) => recordCardMessage(db, row),
    cardsOf: (requestId: string) => cardMessagesOf(db, requestId),
    cardById: (id: number) => cardMessageById(db, id),
    /** True only if nothing newer than `version` was rendered into this copy (see claimRender). */
    claimRender: (id: number, version: number) => claimRender(db, id, version),
    /** Gives a claimed render back (the update failed) so that a retry may render it. */
    releaseRender: (id: number, renderedVersion: number) => updateCardMessage(db, id, { renderedVersion }),
    /** A fresh copy replaced this one (the old message can no longer be updated): its ids, posted now. */
    replaceCard: (id: number, sent: { messageId?: string; trackId?: string; responseCode?: string }) =>
      updateCardMessage(db, id, { messageId: sent.messageId ?? null, trackId: sent.trackId ?? null, ...(sent.responseCode ? { responseCode: sent.responseCode, responseCodeAt: new Date() } : {}), status: 'sent', createdAt: new Date() }),
    writeAudit: (requestId: string | null, entries: AuditEntry[]) => writeAudit(db, requestId, entries),
    isDone: (jobId: string) => isDeliveryDone(db, jobId),
    recordDone: (jobId: string, outcome: 'sent' | 'failed', outboxId?: number) => recordDelivery(db, jobId, outcome, outboxId),
  };
}

export type DeliveryStore = ReturnType<typeof deliveryStore>;
