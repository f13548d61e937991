// The synced directory, live: a full sync at start-up and on a BullMQ job scheduler, platform
// change events queued by the receivers, and every replica's Directory kept current.
//
//   receivers ─ DirectoryChange[] ─▶ directory queue ─▶ worker (one job at a time cluster-wide)
//   job scheduler (fullSyncEvery) ─▶        │            sync.applyChange / syncAll
//                                           ▼
//                      store ─▶ overlay ─▶ dir.replace + org mirror ─▶ publish "changed"
//   every replica: on "changed" (and every reloadEveryMs as a safety net) ─▶ store ─▶ overlay ─▶ dir.replace
//
// Only the process that applied a change (or ran a sync) compares the organisation before and
// after and calls onPeopleChanged, once per change.
import { Worker, type Job, type Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { diffPeople, isEmptyDiff, type PeopleChange, type PeopleDiff } from '../core/directory/diff.js';
import type { HealthNote } from '../core/digest.js';
import type { LinkIssue } from '../core/directory/link.js';
import type { ParamValue } from '../core/messages.js';
import { Directory } from '../org/directory.js';
import { fixedLinksOf, overlayOrganisation, type Overlaid } from '../org/overlay.js';
import type { OrgFile, RemotePlatform } from '../org/schema.js';
import { jobId, QUEUE_NAMES, type DirectoryJob } from '../queue/jobs.js';
import { WORKER_LOCKS } from '../queue/worker-options.js';
import type { DirectoryRead, DirectoryRepo, StoredIssue } from '../store/directory-repo.js';
import { createDirectorySync, type SyncOutcome } from './sync.js';
import type { DirectoryIntake, DirectoryReader } from './types.js';

export interface DirectoryRuntimeDeps {
  dir: Directory;
  repo: DirectoryRepo;
  readers: readonly DirectoryReader[];
  queue: Queue<DirectoryJob>;
  redis: Redis;
  /** A fresh connection for the pub/sub subscription (a subscribed connection does nothing else). */
  subscriber: () => Redis;
  prefix: string;
  log: Logger;
  /** Mirrors the organisation into the database tables reports join (store/org-sync.ts). */
  mirror: (dir: Directory) => Promise<void>;
  /** Called once per applied change or sync that made people leave or move (the hand-over). */
  onPeopleChanged?: (change: PeopleChange) => Promise<unknown> | void;
  /** Reload from the store this often even without a message (default 5 min). */
  reloadEveryMs?: number;
  /** How long start-up waits for the first sync before carrying on in the background (default 60 s). */
  startupWaitMs?: number;
  now?: () => Date;
}

const SCHEDULER_ID = 'directory-full-sync';

/** `6h` / `30m` in milliseconds. */
export function everyMs(spec: string): number {
  const m = /^(\d+)(h|m)$/.exec(spec);
  if (!m) throw new Error(`bad interval "${spec}"`);
  return Number(m[1]) * (m[2] === 'h' ? 3_600_000 : 60_000);
}

/** The log line's and the admin's words for a link issue, with names instead of bare ids. */
export function describeIssue(issue: LinkIssue, nameOf: (platform: string, userId: string) => string | undefined, personName: (id: string) => string): { kind: LinkIssue['kind'] } & Record<string, unknown> {
  const who = (p: string, u: string) => ({ platform: p, userId: u, name: nameOf(p, u) ?? null });
  switch (issue.kind) {
    case 'conflict':
      return { kind: issue.kind, identity: who(issue.identity.platform, issue.identity.userId), matches: issue.matches.map((m) => ({ ...m, name: personName(m.personId) })) };
    case 'platform_taken':
      return { kind: issue.kind, identity: who(issue.identity.platform, issue.identity.userId), key: issue.key, personId: issue.personId, person: personName(issue.personId), holder: who(issue.identity.platform, issue.holder) };
    case 'duplicate_key':
      return { kind: issue.kind, platform: issue.platform, key: issue.key, users: issue.userIds.map((u) => who(issue.platform, u)) };
    case 'unlinked':
      return { kind: issue.kind, identity: who(issue.identity.platform, issue.identity.userId), reason: issue.reason, personId: issue.personId };
  }
}

export function createDirectoryRuntime(deps: DirectoryRuntimeDeps) {
  const { dir, repo, queue, log } = deps;
  const file = dir.file;
  const channel = `${deps.prefix}:directory:changed`;
  const sync = createDirectorySync({ repo, readers: deps.readers, keys: file.directory.linkBy, fixedLinks: () => fixedLinksOf(file), log, ...(deps.now ? { now: deps.now } : {}) });
  let problems: string[] = [];
  let lastProblems = '';
  let subscriber: Redis | undefined;
  let timer: NodeJS.Timeout | undefined;
  let startup: Promise<void> | undefined;

  /** The organisation the store holds now, with the file over it. */
  async function overlaid(): Promise<Overlaid> {
    const [identities, departments] = await Promise.all([repo.identities(), repo.departments()]);
    return overlayOrganisation(file, { identities, departments });
  }

  /** Re-reads the store and swaps the organisation in. */
  async function reload(): Promise<OrgFile> {
    return swapIn(await overlaid());
  }

  /** Swaps an organisation in; entries the sync cannot complete are logged once. */
  function swapIn(next: Overlaid): OrgFile {
    dir.replace(next.org);
    problems = next.problems;
    const said = next.problems.join('\n');
    if (said !== lastProblems && next.problems.length) log.warn({ problems: next.problems }, 'directory: organisation file entries the synced directory does not complete');
    lastProblems = said;
    return next.org;
  }

  /** Runs one change against the store, then tells every replica and the hand-over. */
  async function applying(what: string, fn: () => Promise<unknown>): Promise<PeopleDiff> {
    const before = (await overlaid()).org;
    await fn();
    const next = await overlaid();
    // The database mirror first: whoever sees the new organisation in memory finds it there too.
    await deps.mirror(new Directory(next.org, file));
    const after = swapIn(next);
    await deps.redis.publish(channel, what);
    const diff = diffPeople(before.people, after.people);
    if (!isEmptyDiff(diff)) {
      log.info({ left: diff.left, moved: diff.moved }, 'directory: people left or moved');
      await deps.onPeopleChanged?.({ ...diff, previous: { people: before.people, departments: before.departments } });
    }
    return diff;
  }

  let outcomes: SyncOutcome[] = [];
  async function fullSync(): Promise<SyncOutcome[]> {
    await applying('full', async () => {
      outcomes = await sync.syncAll();
    });
    await logIssues();
    return outcomes;
  }

  async function logIssues(): Promise<void> {
    const issues = await repo.issues();
    if (!issues.length) return;
    const counts = countKinds(issues);
    const names = await namesOf();
    log.warn({ issues: counts, sample: issues.slice(0, 5).map((i) => describeIssue(i, names.identity, names.person)) }, `directory: unresolved link issues (${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')}); see GET /api/admin/directory`);
  }

  /** Names as the platforms gave them, by identity and by the person id the link pass stored. */
  async function namesOf() {
    const identities = await repo.identities();
    const byIdentity = new Map(identities.map((i) => [`${i.platform}:${i.userId}`, i.name]));
    const byPerson = new Map<string, string>();
    for (const i of identities) if (i.leftAt === null && !byPerson.has(i.personId)) byPerson.set(i.personId, i.name);
    return {
      identity: (platform: string, userId: string) => byIdentity.get(`${platform}:${userId}`),
      person: (id: string) => byPerson.get(id) ?? dir.personName(id),
    };
  }

  async function process(job: Job<DirectoryJob>): Promise<void> {
    const data = job.data;
    if (data.type === 'full') {
      await fullSync();
      return;
    }
    await applying('change', async () => {
      for (const change of data.changes) await sync.applyChange(change);
    });
  }

  const intake: DirectoryIntake = async (platform, eventId, changes) => {
    if (!changes.length) return 'accepted';
    try {
      // The event id is the job id: a platform's retry of an event already queued adds nothing.
      await queue.add('change', { type: 'change', changes }, { jobId: jobId('change', platform, eventId) });
      return 'accepted';
    } catch (err) {
      log.error({ err, platform, eventId }, 'directory: could not queue a change event');
      return 'unavailable';
    }
  };

  return {
    sync,
    intake,
    reload,
    /** Loads what the store holds (before anything else reads the organisation). */
    async load(): Promise<void> {
      await reload();
    },

    /** The worker of the directory queue (worker role). */
    createWorker(connection: Redis): Worker<DirectoryJob> {
      const w = new Worker<DirectoryJob>(QUEUE_NAMES.directory, process, { connection, prefix: deps.prefix, autorun: false, ...WORKER_LOCKS, concurrency: 1 });
      w.on('error', (err) => log.error({ err, queue: w.name }, 'worker error'));
      return w;
    },

    /** Subscribes to changes; with `worker`, also schedules the full sync and runs the first one. */
    async start({ worker }: { worker: boolean }): Promise<void> {
      subscriber = deps.subscriber();
      subscriber.on('message', (ch: string) => {
        if (ch === channel) reload().catch((err: unknown) => log.warn({ err }, 'directory: reload after a change failed'));
      });
      await subscriber.subscribe(channel);
      const every = deps.reloadEveryMs ?? 5 * 60_000;
      timer = setInterval(() => {
        reload().catch((err: unknown) => log.warn({ err }, 'directory: periodic reload failed'));
        // Redis may have lost the scheduler with its state: upserting the same id again is harmless.
        if (worker) schedule().catch((err: unknown) => log.warn({ err }, 'directory: could not upsert the full-sync scheduler'));
      }, every);
      timer.unref();
      if (!worker) return;
      await schedule();
      // A failed first sync keeps what is stored; it never stops the process.
      startup = fullSync().then(
        () => undefined,
        (err: unknown) => log.error({ err }, 'directory: the start-up sync failed; keeping what is stored'),
      );
      const wait = deps.startupWaitMs ?? 60_000;
      await Promise.race([startup, new Promise((r) => setTimeout(r, wait).unref())]);
    },

    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await startup;
      await subscriber?.quit().catch(() => subscriber?.disconnect());
    },

    /** Queue a full sync now (the admin API). */
    async requestFullSync(): Promise<string> {
      const job = await queue.add('full', { type: 'full', reason: 'admin' });
      return job.id ?? '';
    },

    /** For readiness: ok, or degraded with the reason (never failing: the stored directory still serves). */
    async readiness(): Promise<string> {
      const reads = await repo.lastReads();
      const failed = reads.filter((r) => r.outcome === 'failed');
      const missing = deps.readers.filter((r) => !reads.some((x) => x.platform === r.platform)).map((r) => r.platform);
      if (!failed.length && !missing.length) return 'ok';
      return `degraded: ${[...failed.map((r) => `${r.platform} last read failed`), ...missing.map((p) => `${p} never read`)].join('; ')}`;
    },

    /** The admin API's view: each platform's last read, people, unresolved issues with names. */
    async status() {
      const [reads, issues, names] = await Promise.all([repo.lastReads(), repo.issues(), namesOf()]);
      return {
        platforms: deps.readers.map((r) => readView(r.platform, reads.find((x) => x.platform === r.platform))),
        people: dir.people.size,
        departments: dir.departments.size,
        issues: issues.map((i) => ({ ...describeIssue(i, names.identity, names.person), foundAt: i.foundAt.toISOString() })),
        issueCounts: countKinds(issues),
        fileProblems: [...problems],
      };
    },

    /** One catalog-keyed note per kind of unresolved issue and per failed last read (the admins' digest). */
    async healthNotes(): Promise<HealthNote[]> {
      const [reads, issues] = await Promise.all([repo.lastReads(), repo.issues()]);
      const notes: HealthNote[] = [];
      for (const r of reads) if (r.outcome === 'failed') notes.push({ key: 'directory.health.read_failed', params: { platform: r.platform, error: r.error ?? '' } });
      const counts = countKinds(issues);
      const KEYS = { unlinked: 'directory.health.unlinked', conflict: 'directory.health.conflict', platform_taken: 'directory.health.platform_taken', duplicate_key: 'directory.health.duplicate_key' } as const;
      for (const kind of Object.keys(KEYS) as Array<keyof typeof KEYS>) if (counts[kind]) notes.push({ key: KEYS[kind], params: { count: counts[kind] } });
      if (problems.length) notes.push({ key: 'directory.health.unresolved_entries', params: { count: problems.length } });
      return notes;
    },
  };

  /**
   * Creates the full-sync scheduler when it is missing (first start, or Redis lost it) or its
   * interval changed. A new `every` scheduler would run at once; the start-up sync just ran, so
   * its first run is one interval away. An existing one is left alone, so a replica's start or
   * the periodic check never moves the schedule.
   */
  async function schedule(): Promise<void> {
    await queue.setGlobalConcurrency(1);
    const every = everyMs(file.directory.fullSyncEvery);
    const existing = await queue.getJobScheduler(SCHEDULER_ID);
    if (existing && Number(existing.every) === every) return;
    await queue.upsertJobScheduler(SCHEDULER_ID, { every, startDate: Date.now() + every }, { name: 'full', data: { type: 'full', reason: 'schedule' } });
  }
}

export type DirectoryRuntime = ReturnType<typeof createDirectoryRuntime>;

function countKinds(issues: readonly StoredIssue[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of issues) out[i.kind] = (out[i.kind] ?? 0) + 1;
  return out;
}

function readView(platform: RemotePlatform, read: DirectoryRead | undefined): Record<string, ParamValue | null | object> {
  if (!read) return { platform, outcome: 'never', users: 0, departments: 0, gaps: [], error: null, finishedAt: null };
  return { platform, outcome: read.outcome, users: read.users, departments: read.departments, gaps: read.gaps, error: read.error, finishedAt: read.finishedAt.toISOString() };
}
