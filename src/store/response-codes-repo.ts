// WeCom's response codes, kept per card copy in card_messages (the newest one per recipient).
// Taking one is a compare-and-swap that clears it only if it is still the value read, so two
// concurrent updates can never spend the same code.
import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from './db.js';
import { cardMessages } from './schema.js';

/** What the WeCom channel keeps and spends; the rule for when a code is too old is the channel's. */
export interface ResponseCodeStore {
  /** Takes the newest code of a card copy, atomically (`at`: when it was issued, or the copy was sent). */
  take(cardMessageId: number): Promise<{ code: string; at: Date } | undefined>;
  /** Puts back a code that was taken but not spent, unless a newer one arrived. */
  restore(cardMessageId: number, code: string, at: Date): Promise<void>;
  /** Keeps a clicker's fresh code as the newest for their copy (found by its task_id); false if there is none. */
  keepClickCode(taskId: string, userId: string, code: string, at: Date): Promise<boolean>;
}

export function responseCodeStore(db: DbOrTx): ResponseCodeStore {
  return {
    async take(cardMessageId) {
      for (let attempt = 0; attempt < 3; attempt++) {
        const [row] = await db
          .select({ code: cardMessages.responseCode, at: cardMessages.responseCodeAt, createdAt: cardMessages.createdAt })
          .from(cardMessages)
          .where(eq(cardMessages.id, cardMessageId));
        if (!row?.code) return undefined;
        const won = await db
          .update(cardMessages)
          .set({ responseCode: null, responseCodeAt: null })
          .where(and(eq(cardMessages.id, cardMessageId), eq(cardMessages.responseCode, row.code)))
          .returning({ id: cardMessages.id });
        // Lost the race: someone spent it, or a click stored a newer one; look again.
        if (won.length === 1) return { code: row.code, at: row.at ?? row.createdAt };
      }
      return undefined;
    },

    async restore(cardMessageId, code, at) {
      await db
        .update(cardMessages)
        .set({ responseCode: code, responseCodeAt: at })
        .where(and(eq(cardMessages.id, cardMessageId), isNull(cardMessages.responseCode)));
    },

    async keepClickCode(taskId, userId, code, at) {
      // One statement before the ack: the click's code becomes this recipient's newest.
      const rows = await db
        .update(cardMessages)
        .set({ responseCode: code, responseCodeAt: at, updatedAt: at })
        .where(and(eq(cardMessages.platform, 'wecom'), eq(cardMessages.trackId, taskId), eq(cardMessages.targetType, 'user'), eq(cardMessages.targetId, userId)))
        .returning({ id: cardMessages.id });
      return rows.length > 0;
    },
  };
}
