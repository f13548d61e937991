// The directory runtime against real Postgres and Redis, with in-memory platform readers: a
// first sync that fails with nothing stored neither throws nor invents people and says
// "degraded"; the queued full sync fills the organisation and its database mirror; unresolved
// link issues come out with names (admin view) and as catalog-keyed health notes; a replica that
// missed the pub/sub message catches up by its periodic reload.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { t as tr } from '../../src/core/messages.js';
import { createDirectoryRuntime, type DirectoryRuntime } from '../../src/directory/runtime.js';
import { DirectoryReadError, type DirectoryReader, type PlatformDepartment, type PlatformDirectory, type PlatformUser } from '../../src/directory/types.js';
import { directoryFromText } from '../../src/org/load.js';
import type { RemotePlatform } from '../../src/org/schema.js';
import { createDirectoryQueue } from '../../src/queue/queues.js';
import { createDirectoryRepo } from '../../src/store/directory-repo.js';
import { syncOrganisation } from '../../src/store/org-sync.js';
import { people } from '../../src/store/schema.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { REDIS_URL } from '../support/env.js';
import { scratchRedis } from '../support/scratch-redis.js';
import { waitFor } from '../support/wait.js';

const log = pino({ level: 'silent' });

class MemoryReader implements DirectoryReader {
  users = new Map<string, PlatformUser>();
  departments: PlatformDepartment[] = [{ id: 'root', parentId: null, name: 'Co', leaderIds: [] }];
  fail = false;
  constructor(readonly platform: RemotePlatform) {}
  add(u: Partial<PlatformUser> & { userId: string }): this {
    this.users.set(u.userId, { name: u.userId, status: 'active', departmentIds: ['root'], ...u });
    return this;
  }
  async readAll(): Promise<PlatformDirectory> {
    if (this.fail) throw new DirectoryReadError(`${this.platform}: no permission (99991672)`, false, '99991672');
    return { platform: this.platform, rootId: 'root', departments: [...this.departments], users: [...this.users.values()], gaps: [] };
  }
  async readUser(id: string) {
    return this.users.get(id) ?? null;
  }
  async readDepartment(id: string) {
    return this.departments.find((d) => d.id === id) ?? null;
  }
}

const ORG = `
organisation: { name: Co }
directory: { sync: true, fullSyncEvery: 6h }
people:
  - { id: boss, employeeNo: E1 }
`;

let db: TestDatabase;
const scratch = scratchRedis('dirrt');
const feishu = new MemoryReader('feishu');
const dingtalk = new MemoryReader('dingtalk');
const runtimes: DirectoryRuntime[] = [];
const extra: Redis[] = [];

function runtime(reloadEveryMs = 3_600_000) {
  const dir = directoryFromText(ORG);
  const r = createDirectoryRuntime({
    dir,
    repo: createDirectoryRepo(db.database.db),
    readers: [feishu, dingtalk],
    queue: createDirectoryQueue(scratch.redis, scratch.prefix),
    redis: scratch.redis,
    subscriber: () => {
      const s = new Redis(REDIS_URL);
      extra.push(s);
      return s;
    },
    prefix: scratch.prefix,
    log,
    mirror: (d) => syncOrganisation(db.database.db, d),
    reloadEveryMs,
  });
  runtimes.push(r);
  return { dir, r };
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const r of runtimes) await r.stop();
  for (const s of extra) s.disconnect();
  await scratch.close();
  await db.drop();
});

describe('directory runtime', () => {
  it('survives a failed first sync with nothing stored, then a queued full sync fills the organisation and its mirror', async () => {
    feishu.fail = true;
    dingtalk.fail = true;
    const { dir, r } = runtime();
    await r.load();
    await expect(r.start({ worker: true })).resolves.toBeUndefined();
    expect(dir.people.size).toBe(0);
    expect(await r.readiness()).toBe('degraded: dingtalk last read failed; feishu last read failed');
    const notes = await r.healthNotes();
    expect(notes).toContainEqual({ key: 'directory.health.read_failed', params: { platform: 'feishu', error: 'feishu: no permission (99991672)' } });
    expect(notes).toContainEqual({ key: 'directory.health.unresolved_entries', params: { count: 1 } });

    feishu.fail = false;
    dingtalk.fail = false;
    feishu.add({ userId: 'ou_boss', name: '李总', employeeNo: 'E1', mobile: '13800000001' }).add({ userId: 'ou_wang', name: '王芳', employeeNo: 'E2', mobile: '13800000002' });
    feishu.departments[0]!.leaderIds = ['ou_boss'];
    // One DingTalk account whose keys point at two people (a conflict), one with no keys (unlinked).
    dingtalk.add({ userId: 'dt_x', name: '李总?', employeeNo: 'E1', mobile: '13800000002' }).add({ userId: 'dt_y', name: '赵六' });
    const worker = r.createWorker(new Redis(REDIS_URL, { maxRetriesPerRequest: null }));
    void worker.run();
    try {
      await r.requestFullSync();
      await waitFor('the queued sync', async () => dir.people.has('boss'));
      expect(dir.person('boss')).toMatchObject({ name: '李总', ids: { feishu: 'ou_boss' } });
      expect([...dir.departments.values()][0]?.lead).toBe('boss');
      expect(await r.readiness()).toBe('ok');
      const mirrored = await db.database.db.select().from(people);
      expect(mirrored.filter((p) => p.active).map((p) => p.name).sort()).toEqual([...dir.people.values()].map((p) => p.name).sort());

      const status = await r.status();
      expect(status.platforms.map((p) => [p.platform, p.outcome, p.users])).toEqual([
        ['feishu', 'ok', 2],
        ['dingtalk', 'ok', 2],
      ]);
      expect(status.issueCounts).toMatchObject({ conflict: 1, unlinked: 3 });
      const conflict = status.issues.find((i) => i.kind === 'conflict') as unknown as { matches: Array<{ name: string }> };
      expect(conflict.matches.map((m) => m.name).sort()).toEqual(['李总', '王芳']);
      const healthNotes = await r.healthNotes();
      expect(healthNotes).toEqual([
        { key: 'directory.health.unlinked', params: { count: 3 } },
        { key: 'directory.health.conflict', params: { count: 1 } },
      ]);
      expect(tr('zh-CN', healthNotes[1]!.key, healthNotes[1]!.params)).toContain('1 处关联冲突');
    } finally {
      await worker.close();
    }
  });

  it('lets a replica that missed the message catch up by its periodic reload', async () => {
    const { dir: other, r } = runtime(200);
    await r.load();
    await r.start({ worker: false });
    expect(other.person('ou_new')).toBeUndefined();
    // Applied straight to the store: nobody publishes anything.
    feishu.add({ userId: 'ou_new', name: '新人', employeeNo: 'E9' });
    await r.sync.syncPlatform('feishu');
    await waitFor('the periodic reload', async () => [...other.people.values()].some((p) => p.name === '新人'));
  });
});
