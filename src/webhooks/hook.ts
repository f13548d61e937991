// The approval service's transition hook for outbound webhooks: the transition's events
// (src/core/webhooks/events.ts), each with a fresh id, and a delivery per subscribed endpoint,
// written in the transition's own transaction — an event exists exactly when its change committed.
import { randomUUID } from 'node:crypto';
import { webhookEvents } from '../core/webhooks/events.js';
import type { TransitionOk } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { DbOrTx } from '../store/db.js';
import { recordWebhookEvents } from '../store/webhooks-repo.js';

export function webhookHook(dir: Directory) {
  return async (tx: DbOrTx, t: TransitionOk): Promise<void> => {
    const drafts = webhookEvents(t, (type) => dir.requestType(type));
    if (!drafts.length) return;
    await recordWebhookEvents(
      tx,
      drafts.map((d) => {
        const id = randomUUID();
        return { id, type: d.type, requestId: d.request.id, occurredAt: d.occurred_at, payload: { ...d, id } as unknown as Record<string, unknown> };
      }),
    );
  };
}
