// Keeps the synced directory current: a full read of a platform replaces what we hold of it,
// a change event re-reads what it names; after either, every identity is linked again (one
// person across platforms) in the same locked transaction, so concurrent syncs and events on
// any replica leave one consistent directory.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { identityKey, linkIdentities, type IdentityRef, type LinkIssue, type LinkKey } from '../core/directory/link.js';
import type { RemotePlatform } from '../org/schema.js';
import type { DirectoryRepo, DirectoryTx, StoredIdentity } from '../store/directory-repo.js';
import type { DirectoryChange, DirectoryReader, PlatformDirectory, PlatformUser } from './types.js';

export interface DirectorySyncDeps {
  repo: DirectoryRepo;
  readers: readonly DirectoryReader[];
  /** Keys to link people by, in order of trust. */
  keys: readonly LinkKey[];
  /** Links the organisation file fixes: `platform:userId` → person id. */
  fixedLinks: () => ReadonlyMap<string, string>;
  log: Logger;
  now?: () => Date;
}

export interface SyncOutcome {
  platform: RemotePlatform;
  ok: boolean;
  users: number;
  departments: number;
  left: number;
  issues: number;
  error?: string;
}

/** A new person's id, from the identity they were first seen as: the same on every replica. */
export function personIdFor(identity: IdentityRef): string {
  return `u-${createHash('sha256').update(identityKey(identity)).digest('hex').slice(0, 16)}`;
}

/** Issues that leave an identity standing alone until the data is fixed. */
const UNSETTLING = new Set<LinkIssue['kind']>(['conflict', 'platform_taken']);

export function createDirectorySync(deps: DirectorySyncDeps) {
  const { repo, log } = deps;
  const now = deps.now ?? (() => new Date());
  const readerOf = (platform: RemotePlatform) => deps.readers.find((r) => r.platform === platform);

  /** Links every identity again and stores the links and the issues; returns the issue count. */
  async function relink(tx: DirectoryTx, identities: StoredIdentity[], at: Date): Promise<number> {
    const current = identities.filter((i) => i.leftAt === null);
    const result = linkIdentities({
      keys: deps.keys,
      identities: current,
      fixed: deps.fixedLinks(),
      previous: new Map(identities.filter((i) => i.settled).map((i) => [identityKey(i), i.personId])),
      newPersonId: personIdFor,
    });
    const unsettled = new Set(result.issues.flatMap((i) => (UNSETTLING.has(i.kind) && 'identity' in i ? [identityKey(i.identity)] : [])));
    const rows = identities.map((i) => ({ ...i, personId: result.links.get(identityKey(i)) ?? i.personId, settled: !unsettled.has(identityKey(i)) }));
    await tx.saveIdentities(rows, at);
    await tx.replaceIssues(result.issues, at);
    if (result.issues.length) log.warn({ issues: result.issues.length, kinds: countBy(result.issues.map((i) => i.kind)) }, 'directory: people the sync could not link');
    return result.issues.length;
  }

  /** A full read of one platform, applied. A failed read changes nothing but its record. */
  async function syncPlatform(platform: RemotePlatform): Promise<SyncOutcome> {
    const reader = readerOf(platform);
    if (!reader) throw new Error(`no directory reader for ${platform}`);
    const startedAt = now();
    let read: PlatformDirectory;
    try {
      read = await reader.readAll();
    } catch (err) {
      const error = (err as Error).message;
      log.error({ platform, err: error }, 'directory: read failed; keeping what we had');
      await repo.locked((tx) => tx.recordRead({ platform, startedAt, finishedAt: now(), outcome: 'failed', users: 0, departments: 0, gaps: [], error }));
      return { platform, ok: false, users: 0, departments: 0, left: 0, issues: 0, error };
    }
    return repo.locked(async (tx) => {
      const at = now();
      const stored = await tx.identities();
      // A user missing from a read that saw every department has left; with departments out of
      // the app's range we cannot tell, so they keep what they had.
      const complete = !read.gaps.some((g) => g.what.startsWith('department:'));
      const seen = new Map(read.users.map((u) => [u.userId, u]));
      const next: StoredIdentity[] = stored.map((s) => {
        if (s.platform !== platform) return s;
        const u = seen.get(s.userId);
        seen.delete(s.userId);
        if (u) return fromPlatform(platform, u, s, at);
        return complete && !s.leftAt ? { ...s, status: 'left', leftAt: at } : s;
      });
      for (const u of seen.values()) next.push(fromPlatform(platform, u, undefined, at));
      const left = next.filter((s) => s.platform === platform && s.leftAt === at).length;
      const issues = await relink(tx, next, at);
      await tx.replaceDepartments(platform, read.departments, at);
      await tx.recordRead({ platform, startedAt, finishedAt: now(), outcome: 'ok', users: read.users.length, departments: read.departments.length, gaps: read.gaps, error: null });
      log.info({ platform, users: read.users.length, departments: read.departments.length, left, issues, gaps: read.gaps.length }, 'directory: synced');
      return { platform, ok: true, users: read.users.length, departments: read.departments.length, left, issues };
    });
  }

  /** One change a platform pushed: re-read what it names (outside the lock), then apply it. */
  async function applyChange(change: DirectoryChange): Promise<void> {
    const reader = readerOf(change.platform);
    if (!reader) return;
    const { platform } = change;
    if (change.kind === 'user_upserted') {
      const user = change.user ?? (await reader.readUser(change.userId));
      await repo.locked(async (tx) => {
        const at = now();
        const stored = await tx.identities();
        const prior = stored.find((s) => s.platform === platform && s.userId === change.userId);
        // A user the platform no longer returns has left.
        const updated = user ? fromPlatform(platform, user, prior, at) : prior && { ...prior, status: 'left' as const, leftAt: prior.leftAt ?? at };
        if (!updated) return;
        await relink(tx, [...stored.filter((s) => s !== prior), updated], at);
      });
    } else if (change.kind === 'user_left') {
      await repo.locked(async (tx) => {
        const at = now();
        const stored = await tx.identities();
        await relink(tx, stored.map((s) => (s.platform === platform && s.userId === change.userId ? { ...s, status: 'left' as const, leftAt: s.leftAt ?? at } : s)), at);
      });
    } else if (change.kind === 'user_renamed') {
      await repo.locked((tx) => tx.renameIdentity(platform, change.userId, change.newUserId));
    } else if (change.kind === 'department_upserted') {
      const department = change.department ?? (await reader.readDepartment(change.departmentId));
      await repo.locked((tx) => (department ? tx.saveDepartments(platform, [department], now()) : tx.removeDepartments(platform, [change.departmentId], now())));
    } else {
      await repo.locked((tx) => tx.removeDepartments(platform, [change.departmentId], now()));
    }
  }

  return {
    syncPlatform,
    applyChange,
    /** Every configured platform, one after another; a failed platform does not stop the rest. */
    async syncAll(): Promise<SyncOutcome[]> {
      const out: SyncOutcome[] = [];
      for (const r of deps.readers) out.push(await syncPlatform(r.platform));
      return out;
    },
  };
}
export type DirectorySync = ReturnType<typeof createDirectorySync>;

/** A stored identity refreshed from what the platform says now (its link kept until relinked). */
function fromPlatform(platform: RemotePlatform, u: PlatformUser, prior: StoredIdentity | undefined, at: Date): StoredIdentity {
  return {
    ...u,
    platform,
    personId: prior?.personId ?? personIdFor({ platform, userId: u.userId }),
    // A new identity has no link to keep yet: the next pass links it.
    settled: prior?.settled ?? false,
    leftAt: u.status === 'left' ? (prior?.leftAt ?? at) : null,
  };
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
