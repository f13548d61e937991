// What every platform's directory reader shares: bounded retries with the platform's wait (or
// a backoff), people merged across the departments that list them, and the gaps a read found.
import type { Logger } from 'pino';
import { forEachLimit } from '../util/for-each-limit.js';
import type { RemotePlatform } from '../org/schema.js';
import { DirectoryReadError, type DirectoryGap, type DirectoryReader, type PlatformDepartment, type PlatformUser } from './types.js';

export interface ReaderOptions {
  log: Logger;
  /** Departments read side by side (each platform allows tens per second; default 4). */
  concurrency?: number;
  /** Attempts per call on a rate limit or a transient failure (default 5). */
  maxAttempts?: number;
  /** First backoff when the platform names no wait, doubled per attempt (default 500 ms). */
  backoffMs?: number;
  /** Longest single wait, whatever the platform asks (default 60 s). */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** How a failed call is treated: retried after `waitSeconds` (or a backoff), or thrown as is. */
export type Verdict = { retry: true; waitSeconds?: number } | { retry: false; error: DirectoryReadError };

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function retrying(o: ReaderOptions) {
  const attempts = o.maxAttempts ?? 5;
  const backoff = o.backoffMs ?? 500;
  const maxWait = o.maxWaitMs ?? 60_000;
  const sleep = o.sleep ?? defaultSleep;
  let retries = 0;
  return {
    /** Calls retried so far (rate limits and transient failures), for tests and the benchmark. */
    get retries() {
      return retries;
    },
    /** Runs `fn`; a failure `judge` calls retryable is tried again, up to the attempt limit. */
    async run<T>(op: string, fn: () => Promise<T>, judge: (err: unknown) => Verdict): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn();
        } catch (err) {
          const v = judge(err);
          if (!v.retry) throw v.error;
          const last = describe(err);
          if (attempt >= attempts) throw new DirectoryReadError(`${op}: still failing after ${attempts} attempts (${last.message})`, true, last.code, v.waitSeconds);
          const wait = Math.min(maxWait, v.waitSeconds !== undefined ? v.waitSeconds * 1000 : backoff * 2 ** (attempt - 1));
          o.log.info({ op, attempt, waitMs: wait, code: last.code }, 'directory read: retrying');
          retries++;
          await sleep(wait);
        }
      }
    },
  };
}

function describe(err: unknown): { message: string; code: string } {
  const e = err as { message?: unknown; code?: unknown };
  return { message: String(e?.message ?? err), code: String(e?.code ?? 'unknown') };
}

/** Runs `fn` per item, `concurrency` at a time. */
export const eachLimited = <T>(o: ReaderOptions, items: readonly T[], fn: (item: T) => Promise<void>) => forEachLimit(items, o.concurrency ?? 4, fn);

/** People as several departments list them: one entry per user id, departments united. */
class PeopleByUserId {
  private readonly byId = new Map<string, PlatformUser>();

  add(user: PlatformUser): void {
    const seen = this.byId.get(user.userId);
    if (!seen) return void this.byId.set(user.userId, user);
    for (const d of user.departmentIds) if (!seen.departmentIds.includes(d)) seen.departmentIds.push(d);
  }

  list(): PlatformUser[] {
    return [...this.byId.values()];
  }
}

/**
 * A gap for each field no person came with: platforms leave out a field they may not give
 * (a scope, an app's age) without saying so, so "absent for everyone" is the only signal.
 */
export function missingFieldGaps(users: readonly PlatformUser[], fields: ReadonlyArray<{ field: keyof PlatformUser; why: string }>): DirectoryGap[] {
  if (users.length === 0) return [];
  return fields.filter(({ field }) => !users.some((u) => u[field] !== undefined && u[field] !== '')).map(({ field, why }) => ({ what: `field:${field}`, why }));
}

/** Each gap once (a department refused for its children and again for its members is one gap). */
export function uniqueGaps(gaps: readonly DirectoryGap[]): DirectoryGap[] {
  return [...new Map(gaps.map((g) => [`${g.what}\n${g.why}`, g])).values()];
}

/** Keeps only the defined, non-empty values: a PlatformUser's absent keys mean "not said". */
export function present<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== '')) as Partial<T>;
}

export interface MemberRead<R> {
  departments: readonly PlatformDepartment[];
  rootId: string;
  /** Where a department outside the app's range is noted. */
  gaps: DirectoryGap[];
  /** Every direct member of one department, as the platform gives them. */
  members: (departmentId: string) => Promise<R[]>;
  toUser: (raw: R, listedIn: string) => PlatformUser | undefined;
  /** The platform's code when `err` means "outside the app's range", else undefined. */
  outOfRange: (err: unknown) => string | undefined;
  /** What to throw when the root's members cannot be read. */
  rootFailure: (err: unknown) => unknown;
  /** Sees each person as the platform gave them. */
  onRaw?: (raw: R) => void;
}

/**
 * Everyone in `departments`, read department by department, `concurrency` at a time: a
 * department outside the app's range is a gap (its members read elsewhere still count), the
 * root outside it fails the read.
 */
export async function readMembers<R>(o: ReaderOptions, m: MemberRead<R>): Promise<PlatformUser[]> {
  const people = new PeopleByUserId();
  await eachLimited(o, m.departments, async (d) => {
    let list: R[];
    try {
      list = await m.members(d.id);
    } catch (err) {
      const code = m.outOfRange(err);
      if (d.id === m.rootId || code === undefined) throw d.id === m.rootId ? m.rootFailure(err) : err;
      return void m.gaps.push({ what: `department:${d.id}`, why: code });
    }
    for (const raw of list) {
      m.onRaw?.(raw);
      const u = m.toUser(raw, d.id);
      if (u) people.add(u);
    }
  });
  return people.list();
}

/** `read()`, or null when it fails with one of `codes` (the platform's "no such user / department"). */
export async function orNullOn<T>(codes: ReadonlySet<string>, read: () => Promise<T | null>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof DirectoryReadError && codes.has(err.code)) return null;
    throw err;
  }
}

/** What a platform's reader supplies; `assembleReader` does the rest, the same for all three. */
export interface ReaderParts<R> extends Pick<MemberRead<R>, 'rootId' | 'members' | 'toUser' | 'outOfRange' | 'rootFailure'> {
  platform: RemotePlatform;
  retry: { readonly retries: number };
  /** Every department, root first; one the app may not see is noted in `gaps`. */
  departments: (gaps: DirectoryGap[]) => Promise<PlatformDepartment[]>;
  /**
   * Per read: sees each person as the platform gave them, then names the gaps only the whole
   * read shows (a field no one came with).
   */
  check: () => { onRaw?: (raw: R) => void; gaps: (users: readonly PlatformUser[], departments: readonly PlatformDepartment[]) => DirectoryGap[] };
  user: (userId: string) => Promise<PlatformUser | null>;
  department: (departmentId: string) => Promise<PlatformDepartment | null>;
  /** The platform's "no such user" / "no such department" codes: null, not a failure. */
  userNotFound: ReadonlySet<string>;
  departmentNotFound: ReadonlySet<string>;
}

/** A DirectoryReader from a platform's parts: the tree, then everyone in it, then the gaps. */
export function assembleReader<R>(o: ReaderOptions, p: ReaderParts<R>): DirectoryReader & { readonly retries: number } {
  return {
    platform: p.platform,
    get retries() {
      return p.retry.retries;
    },
    async readAll() {
      const gaps: DirectoryGap[] = [];
      const departments = await p.departments(gaps);
      const check = p.check();
      const users = await readMembers<R>(o, { ...p, departments, gaps, ...(check.onRaw ? { onRaw: check.onRaw } : {}) });
      gaps.push(...check.gaps(users, departments));
      return { platform: p.platform, rootId: p.rootId, departments, users, gaps: uniqueGaps(gaps) };
    },
    readUser: (userId) => orNullOn(p.userNotFound, () => p.user(userId)),
    readDepartment: (departmentId) => orNullOn(p.departmentNotFound, () => p.department(departmentId)),
  };
}
