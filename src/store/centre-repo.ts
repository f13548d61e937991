// What the approval-centre mirrors (src/centres/) read and write: the request they mirror and,
// per centre, the last version told and the tasks given there (`centre_syncs`).
import { and, eq, lt, sql } from 'drizzle-orm';
import type { AuditEntry } from '../core/model.js';
import type { Platform } from '../org/schema.js';
import type { KnownTask } from '../core/centre.js';
import type { DbOrTx } from './db.js';
import { loadRequest, writeAudit } from './requests-repo.js';
import { centreSyncs } from './schema.js';

export type CentreTasks = Record<string, KnownTask>;

export interface CentreSync {
  requestId: string;
  syncedVersion: number;
  externalId: string | null;
  tasks: CentreTasks;
  open: boolean;
}

export function centreStore(db: DbOrTx) {
  return {
    loadRequest: (id: string) => loadRequest(db, id),
    writeAudit: (requestId: string | null, entries: AuditEntry[]) => writeAudit(db, requestId, entries),
    async get(platform: Platform, requestId: string): Promise<CentreSync | undefined> {
      const [row] = await db.select().from(centreSyncs).where(and(eq(centreSyncs.platform, platform), eq(centreSyncs.requestId, requestId)));
      return row ? { requestId: row.requestId, syncedVersion: row.syncedVersion, externalId: row.externalId, tasks: row.tasks, open: row.open } : undefined;
    },
    /**
     * Records what the centre now shows, unless a newer version is recorded already (false then).
     * `force` rewrites the same version (a reconcile that re-sent it).
     */
    async save(platform: Platform, s: CentreSync): Promise<boolean> {
      const rows = await db
        .insert(centreSyncs)
        .values({ platform, requestId: s.requestId, syncedVersion: s.syncedVersion, externalId: s.externalId, tasks: s.tasks, open: s.open })
        .onConflictDoUpdate({
          target: [centreSyncs.platform, centreSyncs.requestId],
          set: { syncedVersion: s.syncedVersion, externalId: s.externalId, tasks: s.tasks, open: s.open, updatedAt: new Date() },
          setWhere: lt(centreSyncs.syncedVersion, sql`excluded.synced_version + 1`),
        })
        .returning({ v: centreSyncs.syncedVersion });
      return rows.length === 1;
    },
    /** Requests still open in a centre, oldest change first (the reconcile's list). */
    async openRequests(platform: Platform, limit: number): Promise<CentreSync[]> {
      const rows = await db.select().from(centreSyncs).where(and(eq(centreSyncs.platform, platform), eq(centreSyncs.open, true))).orderBy(centreSyncs.updatedAt).limit(limit);
      return rows.map((row) => ({ requestId: row.requestId, syncedVersion: row.syncedVersion, externalId: row.externalId, tasks: row.tasks, open: row.open }));
    },
  };
}

export type CentreStore = ReturnType<typeof centreStore>;
