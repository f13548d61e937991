// Mirrors requests into the platforms' approval centres (Feishu 三方审批, DingTalk 三方流程).
// A `centre.sync` job (queued from the outbox, centre-jobs.ts) renders the request's *current*
// snapshot, so a late job never shows an old state; `centre_syncs.synced_version` skips a job
// whose version was told already, and a Redis lock per request and centre keeps two jobs of one
// request from talking to the platform at once (DingTalk refuses concurrent changes to one
// instance; Feishu answers 1395001 to an instance synced too often). A busy lock or a platform's
// "later" is a transient DeliveryError: the delivery queue retries with backoff.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CentreAdapter } from '../channels/centre.js';
import { DeliveryError } from '../channels/channel.js';
import { centreSnapshot, type CentreSnapshot, type KnownTask } from '../core/centre.js';
import type { RequestState } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Platform } from '../org/schema.js';
import { runLua } from '../queue/lua.js';
import type { CentreStore, CentreTasks } from '../store/centre-repo.js';

export interface CentreSyncDeps {
  store: CentreStore;
  dir: Directory;
  redis: Redis;
  prefix: string;
  adapters: ReadonlyMap<Platform, CentreAdapter>;
  log: Logger;
  /** How long one sync may hold its request's lock (ms). */
  lockMs?: number;
}

/** Who a request is copied to (抄送) in the centres: the workflow's `cc`, once `ccOn` says so. */
export function ccOf(s: RequestState, dir: Directory): string[] {
  const wf = dir.workflowFor(s.type);
  if (!wf?.cc.length) return [];
  const final = !['consulting', 'pending'].includes(s.status);
  if (!wf.ccOn.includes('submit') && !(final && wf.ccOn.includes('complete'))) return [];
  return dir.resolveApprovers(wf.cc, s.applicantId);
}

export function createCentreSync(deps: CentreSyncDeps) {
  const lockMs = deps.lockMs ?? 30_000;

  async function locked<T>(platform: Platform, requestId: string, fn: () => Promise<T>): Promise<T> {
    const key = `${deps.prefix}:centre-lock:${platform}:${requestId}`;
    const token = randomUUID();
    if ((await deps.redis.set(key, token, 'PX', lockMs, 'NX')) !== 'OK') {
      throw new DeliveryError(`centre ${platform}: request ${requestId} is being synced`, false, 'centre_busy');
    }
    try {
      return await fn();
    } finally {
      await runLua(deps.redis, 'delete-if-equal', [key], [token]).catch(() => {});
    }
  }

  /** Tell `platform`'s centre the request's current state (unless it has that version already, or `force`). */
  async function sync(platform: Platform, requestId: string, opts: { force?: boolean } = {}): Promise<'synced' | 'current' | 'gone'> {
    const adapter = deps.adapters.get(platform);
    if (!adapter) throw new DeliveryError(`no approval centre for ${platform}`, true, 'centre_off');
    return locked(platform, requestId, async () => {
      const s = await deps.store.loadRequest(requestId);
      if (!s) return 'gone';
      const previous = await deps.store.get(platform, requestId);
      if (previous && previous.syncedVersion >= s.version && !opts.force) return 'current';
      const snap = centreSnapshot(s, (previous?.tasks ?? {}) as Record<string, KnownTask>, ccOf(s, deps.dir));
      const base = previous?.syncedVersion ?? 0;
      const result = await adapter.push(snap, {
        previous,
        checkpoint: async (state) => {
          await deps.store.save(platform, { requestId, syncedVersion: base, externalId: state.externalId, tasks: state.tasks, open: true });
        },
      });
      const tasks: CentreTasks = {};
      for (const t of snap.tasks) {
        const externalId = result.taskIds?.[t.key] ?? previous?.tasks[t.key]?.externalId;
        tasks[t.key] = { personId: t.personId, stepId: t.stepId, round: t.round, status: t.status, ...(externalId ? { externalId } : {}) };
      }
      await deps.store.save(platform, { requestId, syncedVersion: s.version, externalId: result.externalId ?? previous?.externalId ?? null, tasks, open: snap.status === 'pending' });
      deps.log.debug({ platform, requestId, version: s.version }, 'approval centre synced');
      return 'synced';
    });
  }

  /**
   * Ask each centre that can tell (Feishu's external_instances/check) whether it holds what we
   * last told it of the requests still open there, and sync again those it does not.
   */
  async function reconcile(platform: Platform, limit = 100): Promise<number> {
    const adapter = deps.adapters.get(platform);
    if (!adapter) return 0;
    const rows = await deps.store.openRequests(platform, limit);
    const snaps: CentreSnapshot[] = [];
    const behind: string[] = [];
    for (const row of rows) {
      const s = await deps.store.loadRequest(row.requestId);
      if (!s) continue;
      // A change whose sync gave up (a daily quota spent, retries exhausted) is told now.
      if (row.syncedVersion < s.version) behind.push(s.id);
      else snaps.push(centreSnapshot(s, row.tasks as Record<string, KnownTask>, ccOf(s, deps.dir)));
    }
    const stale = [...behind, ...(adapter.stale && snaps.length ? await adapter.stale(snaps) : [])];
    for (const id of stale) await sync(platform, id, { force: true });
    if (stale.length) deps.log.info({ platform, stale: stale.length }, 'approval centre reconciled');
    return stale.length;
  }

  return { sync, reconcile, platforms: () => [...deps.adapters.keys()] };
}

export type CentreSyncer = ReturnType<typeof createCentreSync>;
