// WeCom's response codes: each updates one recipient's card once, within 72 h. The newest code
// per card message lives in card_messages; spending one is a compare-and-swap that clears it
// only if it is still the value read, so two concurrent updates can never spend the same code.
import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../../store/db.js';
import { cardMessages } from '../../store/schema.js';

export const CODE_LIFETIME_MS = 72 * 3600 * 1000;
/** Codes this close to their end are not risked: the call could arrive after WeCom's deadline. */
export const CODE_SAFETY_MS = 10 * 60 * 1000;

export type Claim = { kind: 'code'; code: string; at: Date } | { kind: 'expired' } | { kind: 'none' };

/** Takes the newest stored code for a card message, atomically. */
export async function claimCode(db: DbOrTx, cardMessageId: number, now = new Date()): Promise<Claim> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const [row] = await db
      .select({ code: cardMessages.responseCode, at: cardMessages.responseCodeAt, createdAt: cardMessages.createdAt })
      .from(cardMessages)
      .where(eq(cardMessages.id, cardMessageId));
    if (!row?.code) return { kind: 'none' };
    const won = await db
      .update(cardMessages)
      .set({ responseCode: null, responseCodeAt: null })
      .where(and(eq(cardMessages.id, cardMessageId), eq(cardMessages.responseCode, row.code)))
      .returning({ id: cardMessages.id });
    // Lost the race: someone spent it, or a click stored a newer one; look again.
    if (won.length !== 1) continue;
    const at = row.at ?? row.createdAt;
    if (now.getTime() - at.getTime() > CODE_LIFETIME_MS - CODE_SAFETY_MS) return { kind: 'expired' };
    return { kind: 'code', code: row.code, at };
  }
  return { kind: 'none' };
}

/** Puts back a code that was claimed but not spent (WeCom busy), unless a newer one arrived. */
export async function restoreCode(db: DbOrTx, cardMessageId: number, code: string, at: Date): Promise<void> {
  await db
    .update(cardMessages)
    .set({ responseCode: code, responseCodeAt: at })
    .where(and(eq(cardMessages.id, cardMessageId), isNull(cardMessages.responseCode)));
}

/** Keeps a clicker's fresh code as the newest for their copy of the card (found by task_id). */
export async function storeClickCode(db: DbOrTx, taskId: string, userId: string, code: string, at = new Date()): Promise<boolean> {
  // One statement before the ack: the click's code becomes this recipient's newest.
  const rows = await db
    .update(cardMessages)
    .set({ responseCode: code, responseCodeAt: at, updatedAt: at })
    .where(and(eq(cardMessages.platform, 'wecom'), eq(cardMessages.trackId, taskId), eq(cardMessages.targetType, 'user'), eq(cardMessages.targetId, userId)))
    .returning({ id: cardMessages.id });
  return rows.length > 0;
}
