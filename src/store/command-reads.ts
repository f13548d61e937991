// What the text commands read (src/bot/commands): requests by number, waiting on a person or
// filed by one, a request's timeline, and which approval cards a chat holds already.
import { requestsWithCard, type CardCopyKey } from './card-messages-repo.js';
import type { DbOrTx } from './db.js';
import { requestReads } from './requests-repo.js';

export function commandReads(db: DbOrTx) {
  const { byNumber, pendingFor, requestsOf, timeline } = requestReads(db);
  return {
    byNumber,
    pendingFor,
    requestsOf,
    timeline,
    /** Of these requests, those whose card of this kind this recipient has already. */
    withCard: (requestIds: string[], copy: Omit<CardCopyKey, 'requestId'>) => requestsWithCard(db, requestIds, copy),
  };
}

export type CommandReads = ReturnType<typeof commandReads>;
