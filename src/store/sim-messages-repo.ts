// The simulator's chat history (sim_messages): the simulator is a platform of its own, and this
// table is its "platform side", persisted like one.
import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Card } from '../../cards/model.js';
import type { Db } from './db.js';
import { simMessages } from './schema.js';

export type SimMessage = typeof simMessages.$inferSelect;
export type SimMessageBody = { text: string } | { card: Card };

export function simMessagesRepo(db: Db) {
  return {
    async insert(conversation: string, sender: string, body: SimMessageBody): Promise<SimMessage> {
      const [m] = await db
        .insert(simMessages)
        .values({ conversation, sender, kind: 'card' in body ? 'card' : 'text', text: 'text' in body ? body.text : null, card: 'card' in body ? (body.card as unknown as Record<string, unknown>) : null })
        .returning();
      return m!;
    },
    /** Replaces a card message's card and bumps its version; undefined when there is no such message. */
    async replaceCard(id: number, card: Card): Promise<SimMessage | undefined> {
      const [m] = await db
        .update(simMessages)
        .set({ card: card as unknown as Record<string, unknown>, version: sql`${simMessages.version} + 1`, updatedAt: new Date() })
        .where(eq(simMessages.id, id))
        .returning();
      return m;
    },
    async get(id: number): Promise<SimMessage | undefined> {
      const [m] = await db.select().from(simMessages).where(eq(simMessages.id, id));
      return m;
    },
    /** The newest messages of the given conversations, oldest first. */
    async history(conversations: string[], opts: { limit?: number; after?: number } = {}): Promise<SimMessage[]> {
      if (!conversations.length) return [];
      const where = opts.after ? and(inArray(simMessages.conversation, conversations), gt(simMessages.id, opts.after)) : inArray(simMessages.conversation, conversations);
      const rows = await db.select().from(simMessages).where(where).orderBy(desc(simMessages.id)).limit(opts.limit ?? 300);
      return rows.sort((a, b) => a.id - b.id);
    },
  };
}

export type SimMessagesRepo = ReturnType<typeof simMessagesRepo>;
