// Housekeeping for tables that only guard against replays. Platform retries end within hours
// (Feishu's last retry is ~7 h after the event), so a month of processed event keys is ample.
import { lt, sql } from 'drizzle-orm';
import type { DbOrTx } from './db.js';
import { processedEvents } from './schema.js';

export const PROCESSED_EVENTS_RETENTION_MS = 30 * 24 * 3600_000;

/** Delete processed-event keys older than the retention, in bounded batches; returns how many. */
export async function pruneProcessedEvents(db: DbOrTx, now: Date, batch = 5000): Promise<number> {
  const cutoff = new Date(now.getTime() - PROCESSED_EVENTS_RETENTION_MS);
  let total = 0;
  for (;;) {
    const rows = await db
      .delete(processedEvents)
      .where(sql`${processedEvents.key} in (select ${processedEvents.key} from ${processedEvents} where ${lt(processedEvents.at, cutoff)} limit ${batch})`)
      .returning({ key: processedEvents.key });
    total += rows.length;
    if (rows.length < batch) return total;
  }
}
