// What the text commands read (src/bot/commands): requests by number, waiting on a person (or
// their principals, 委托) or filed by one, a request's timeline, and which approval cards a chat holds already.
import { requestsWithCard, type CardCopyKey } from './card-messages-repo.js';
import type { DbOrTx } from './db.js';
import { pendingWithDelegated } from './delegations-repo.js';
import { requestReads } from './requests-repo.js';

export function commandReads(db: DbOrTx, now: () => Date = () => new Date()) {
  const { byNumber, requestsOf, timeline } = requestReads(db);
  return {
    byNumber,
    /** What waits on a person, with the tasks they act on for their principals (委托), marked. */
    pendingFor: (personId: string) => pendingWithDelegated(db, personId, now()),
    requestsOf,
    timeline,
    /** Of these requests, those whose card of this kind this recipient has already. */
    withCard: (requestIds: string[], copy: Omit<CardCopyKey, 'requestId'>) => requestsWithCard(db, requestIds, copy),
  };
}

export type CommandReads = ReturnType<typeof commandReads>;
