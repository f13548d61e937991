// The record of every card message sent, per platform and recipient.
import { and, eq, lt, sql } from 'drizzle-orm';
import { anyOf } from './any-of.js';
import type { DbOrTx } from './db.js';
import { cardMessages } from './schema.js';

export type CardMessage = typeof cardMessages.$inferSelect;
export type NewCardMessage = typeof cardMessages.$inferInsert;
/** Where one copy of a card went: one recorded copy per request, kind, platform and recipient. */
export type CardCopyKey = Pick<CardMessage, 'requestId' | 'cardKind' | 'platform' | 'targetType' | 'targetId'>;

export async function findCardMessage(
  db: DbOrTx,
  k: CardCopyKey,
): Promise<CardMessage | undefined> {
  const [row] = await db
    .select()
    .from(cardMessages)
    .where(
      and(
        eq(cardMessages.requestId, k.requestId),
        eq(cardMessages.cardKind, k.cardKind),
        eq(cardMessages.platform, k.platform),
        eq(cardMessages.targetType, k.targetType),
        eq(cardMessages.targetId, k.targetId),
      ),
    );
  return row;
}

/** Of these requests, those with a card of this kind already sent to this recipient (one query). */
export async function requestsWithCard(
  db: DbOrTx,
  requestIds: string[],
  k: Omit<CardCopyKey, 'requestId'>,
): Promise<Set<string>> {
  if (!requestIds.length) return new Set();
  const rows = await db
    .select({ requestId: cardMessages.requestId })
    .from(cardMessages)
    .where(
      and(
        anyOf(cardMessages.requestId, requestIds),
        eq(cardMessages.cardKind, k.cardKind),
        eq(cardMessages.platform, k.platform),
        eq(cardMessages.targetType, k.targetType),
        eq(cardMessages.targetId, k.targetId),
      ),
    );
  return new Set(rows.map((r) => r.requestId));
}

export async function recordCardMessage(db: DbOrTx, row: NewCardMessage): Promise<CardMessage> {
  const [saved] = await db
    .insert(cardMessages)
    .values(row)
    .onConflictDoUpdate({
      target: [cardMessages.requestId, cardMessages.cardKind, cardMessages.platform, cardMessages.targetType, cardMessages.targetId],
      set: {
        messageId: sql`excluded.message_id`,
        trackId: sql`excluded.track_id`,
        responseCode: sql`excluded.response_code`,
        responseCodeAt: sql`excluded.response_code_at`,
        renderedVersion: sql`excluded.rendered_version`,
        status: sql`excluded.status`,
        // The recorded message is the one just posted: its age (Feishu PATCHes for 14 days) starts now.
        createdAt: sql`excluded.created_at`,
        updatedAt: new Date(),
      },
    })
    .returning();
  return saved!;
}

export async function cardMessagesOf(db: DbOrTx, requestId: string, cardKind?: string): Promise<CardMessage[]> {
  return db
    .select()
    .from(cardMessages)
    .where(cardKind ? and(eq(cardMessages.requestId, requestId), eq(cardMessages.cardKind, cardKind)) : eq(cardMessages.requestId, requestId));
}

export async function cardMessageById(db: DbOrTx, id: number): Promise<CardMessage | undefined> {
  const [row] = await db.select().from(cardMessages).where(eq(cardMessages.id, id));
  return row;
}

/**
 * Claim the right to render `version` into a message: true only if nothing newer was rendered,
 * so a slow, stale update never overwrites a newer one.
 */
export async function claimRender(db: DbOrTx, id: number, version: number): Promise<boolean> {
  const rows = await db
    .update(cardMessages)
    .set({ renderedVersion: version, updatedAt: new Date() })
    .where(and(eq(cardMessages.id, id), lt(cardMessages.renderedVersion, version)))
    .returning({ id: cardMessages.id });
  return rows.length === 1;
}

export async function updateCardMessage(db: DbOrTx, id: number, set: Partial<NewCardMessage>): Promise<void> {
  await db.update(cardMessages).set({ ...set, updatedAt: new Date() }).where(eq(cardMessages.id, id));
}

