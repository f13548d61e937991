// The synced directory: what each platform reported, the person each identity is linked to,
// each read's outcome and the link issues of the latest pass. Writers go through `locked`,
// one transaction holding the directory's advisory lock, so concurrent syncs and change
// events on any replica apply one after another and leave one consistent directory.
import { and, desc, eq, inArray, isNull, notInArray, sql } from 'drizzle-orm';
import type { LinkIssue } from '../core/directory/link.js';
import type { DirectoryGap, PlatformDepartment, PlatformUserStatus, SyncedDepartment, SyncedIdentity } from '../directory/types.js';
import type { RemotePlatform } from '../org/schema.js';
import { insertRows } from './bulk-insert.js';
import type { Db, Tx } from './db.js';
import { directoryDepartments, directoryIssues, directoryReads, directoryUsers } from './schema.js';

/** A platform identity as stored, with whether its link is settled (not in a link issue). */
export interface StoredIdentity extends SyncedIdentity {
  settled: boolean;
}

export interface DirectoryRead {
  platform: RemotePlatform;
  startedAt: Date;
  finishedAt: Date;
  outcome: 'ok' | 'failed';
  users: number;
  departments: number;
  gaps: DirectoryGap[];
  error: string | null;
}

/** A stored link issue: the core's LinkIssue and when the pass that found it ran. */
export type StoredIssue = LinkIssue & { foundAt: Date };

/** Arbitrary but fixed: the key of the transaction-scoped advisory lock every writer takes. */
const DIRECTORY_LOCK = 0x51_44_49_52; // "QDIR"

export type DirectoryTx = ReturnType<typeof bind>;

export function createDirectoryRepo(db: Db) {
  return {
    /** Runs `fn` in one transaction that holds the directory lock. */
    locked<T>(fn: (tx: DirectoryTx) => Promise<T>): Promise<T> {
      return db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${DIRECTORY_LOCK})`);
        return fn(bind(tx));
      });
    },
    ...reads(db),
  };
}
export type DirectoryRepo = ReturnType<typeof createDirectoryRepo>;

function reads(db: Db | Tx) {
  return {
    async identities(platform?: RemotePlatform): Promise<StoredIdentity[]> {
      const rows = await db
        .select()
        .from(directoryUsers)
        .where(platform ? eq(directoryUsers.platform, platform) : undefined)
        .orderBy(directoryUsers.platform, directoryUsers.userId);
      return rows.map(toIdentity);
    },

    async departments(platform?: RemotePlatform): Promise<SyncedDepartment[]> {
      const rows = await db
        .select()
        .from(directoryDepartments)
        .where(and(platform ? eq(directoryDepartments.platform, platform) : undefined, isNull(directoryDepartments.removedAt)))
        .orderBy(directoryDepartments.platform, directoryDepartments.deptId);
      return rows.map((r) => ({ platform: r.platform as RemotePlatform, id: r.deptId, parentId: r.parentId, name: r.name, leaderIds: r.leaderIds }));
    },

    async issues(): Promise<StoredIssue[]> {
      const rows = await db.select().from(directoryIssues).orderBy(directoryIssues.id);
      return rows.map((r) => ({ ...(r.detail as unknown as LinkIssue), foundAt: r.foundAt }));
    },

    /** The latest read of each platform. */
    async lastReads(): Promise<DirectoryRead[]> {
      const rows = await db
        .selectDistinctOn([directoryReads.platform])
        .from(directoryReads)
        .orderBy(directoryReads.platform, desc(directoryReads.id));
      return rows.map((r) => ({
        platform: r.platform as RemotePlatform,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        outcome: r.outcome as 'ok' | 'failed',
        users: r.users,
        departments: r.departments,
        gaps: r.gaps,
        error: r.error,
      }));
    },
  };
}

/** The writes, on the locked transaction. */
function bind(tx: Tx) {
  return {
    ...reads(tx),

    /** Inserts or replaces these identities (with their links). */
    async saveIdentities(rows: readonly StoredIdentity[], at: Date): Promise<void> {
      await insertRows(
        tx,
        directoryUsers,
        rows.map((u) => ({
          platform: u.platform,
          userId: u.userId,
          personId: u.personId,
          settled: u.settled,
          name: u.name,
          status: u.status,
          title: u.title ?? null,
          departmentIds: u.departmentIds,
          primaryDepartmentId: u.primaryDepartmentId ?? null,
          managerId: u.managerId ?? null,
          employeeNo: u.employeeNo ?? null,
          mobile: u.mobile ?? null,
          email: u.email ?? null,
          altIds: u.altIds ?? {},
          syncedAt: at,
          leftAt: u.leftAt,
        })),
        {
          conflict: sql`on conflict (platform, user_id) do update set person_id = excluded.person_id, settled = excluded.settled,
            name = excluded.name, status = excluded.status, title = excluded.title, department_ids = excluded.department_ids,
            primary_department_id = excluded.primary_department_id, manager_id = excluded.manager_id, employee_no = excluded.employee_no,
            mobile = excluded.mobile, email = excluded.email, alt_ids = excluded.alt_ids, synced_at = excluded.synced_at, left_at = excluded.left_at`,
        },
      );
    },

    /** A platform renamed a user id (WeCom NewUserID): the row, and its link, move with it. */
    async renameIdentity(platform: RemotePlatform, userId: string, newUserId: string): Promise<void> {
      await tx.update(directoryUsers).set({ userId: newUserId }).where(and(eq(directoryUsers.platform, platform), eq(directoryUsers.userId, userId)));
    },

    /** Replaces one platform's departments: those not in `departments` are marked removed (history keeps them). */
    async replaceDepartments(platform: RemotePlatform, departments: readonly PlatformDepartment[], at: Date): Promise<void> {
      await this.saveDepartments(platform, departments, at);
      await tx
        .update(directoryDepartments)
        .set({ removedAt: at })
        .where(
          and(
            eq(directoryDepartments.platform, platform),
            isNull(directoryDepartments.removedAt),
            departments.length ? notInArray(directoryDepartments.deptId, departments.map((d) => d.id)) : undefined,
          ),
        );
    },

    async saveDepartments(platform: RemotePlatform, departments: readonly PlatformDepartment[], at: Date): Promise<void> {
      await insertRows(
        tx,
        directoryDepartments,
        departments.map((d) => ({ platform, deptId: d.id, parentId: d.parentId, name: d.name, leaderIds: d.leaderIds, syncedAt: at, removedAt: null })),
        {
          conflict: sql`on conflict (platform, dept_id) do update set parent_id = excluded.parent_id, name = excluded.name,
            leader_ids = excluded.leader_ids, synced_at = excluded.synced_at, removed_at = null`,
        },
      );
    },

    async removeDepartments(platform: RemotePlatform, ids: readonly string[], at: Date): Promise<void> {
      if (!ids.length) return;
      await tx
        .update(directoryDepartments)
        .set({ removedAt: at })
        .where(and(eq(directoryDepartments.platform, platform), inArray(directoryDepartments.deptId, [...ids])));
    },

    /** The issues of the latest link pass replace the previous ones. */
    async replaceIssues(issues: readonly LinkIssue[], at: Date): Promise<void> {
      await tx.delete(directoryIssues);
      await insertRows(
        tx,
        directoryIssues,
        issues.map((i) => ({
          kind: i.kind,
          platform: 'identity' in i ? i.identity.platform : i.platform,
          userId: 'identity' in i ? i.identity.userId : null,
          personId: 'personId' in i ? i.personId : null,
          detail: i as unknown as Record<string, unknown>,
          foundAt: at,
        })),
      );
    },

    async recordRead(read: DirectoryRead): Promise<void> {
      await tx.insert(directoryReads).values(read);
    },
  };
}

function toIdentity(r: typeof directoryUsers.$inferSelect): StoredIdentity {
  return {
    platform: r.platform as RemotePlatform,
    userId: r.userId,
    personId: r.personId,
    settled: r.settled,
    leftAt: r.leftAt,
    name: r.name,
    status: r.status as PlatformUserStatus,
    departmentIds: r.departmentIds,
    ...(r.primaryDepartmentId !== null && { primaryDepartmentId: r.primaryDepartmentId }),
    ...(r.title !== null && { title: r.title }),
    ...(r.managerId !== null && { managerId: r.managerId }),
    ...(r.employeeNo !== null && { employeeNo: r.employeeNo }),
    ...(r.mobile !== null && { mobile: r.mobile }),
    ...(r.email !== null && { email: r.email }),
    ...(Object.keys(r.altIds).length > 0 && { altIds: r.altIds }),
  };
}
