// The directory sync against real Postgres: full reads applied and linked across platforms,
// leavers, stable person ids, conflicts held until the data is fixed, failed reads that change
// nothing, change events, and concurrent syncs that leave one consistent directory. The
// platform side here is an in-memory reader; the readers over the fake platform servers are
// tested on their own (directory-readers tests).
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RemotePlatform } from '../../src/org/schema.js';
import { createDirectorySync, personIdFor } from '../../src/directory/sync.js';
import { DirectoryReadError, type DirectoryReader, type PlatformDepartment, type PlatformDirectory, type PlatformUser } from '../../src/directory/types.js';
import { createDirectoryRepo, type DirectoryRepo } from '../../src/store/directory-repo.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const log = pino({ level: 'silent' });

/** A platform's directory held in memory; `fail` makes the next read throw. */
class MemoryReader implements DirectoryReader {
  users = new Map<string, PlatformUser>();
  departments: PlatformDepartment[] = [{ id: 'root', parentId: null, name: 'Co', leaderIds: [] }];
  gaps: PlatformDirectory['gaps'] = [];
  fail = false;
  constructor(readonly platform: RemotePlatform) {}
  add(u: Partial<PlatformUser> & { userId: string }): this {
    this.users.set(u.userId, { name: u.userId, status: 'active', departmentIds: ['root'], ...u });
    return this;
  }
  async readAll(): Promise<PlatformDirectory> {
    if (this.fail) throw new DirectoryReadError(`${this.platform}: no permission`, false, '60011');
    return { platform: this.platform, rootId: 'root', departments: [...this.departments], users: [...this.users.values()], gaps: this.gaps };
  }
  async readUser(userId: string) {
    return this.users.get(userId) ?? null;
  }
  async readDepartment(id: string) {
    return this.departments.find((d) => d.id === id) ?? null;
  }
}

let t: TestDatabase;
let repo: DirectoryRepo;
beforeAll(async () => {
  t = await createTestDatabase();
  repo = createDirectoryRepo(t.database.db);
});
afterAll(async () => {
  await t.drop();
});

async function fresh() {
  await t.database.db.execute(`truncate directory_users, directory_departments, directory_reads, directory_issues`);
}

function setup(fixed = new Map<string, string>()) {
  const feishu = new MemoryReader('feishu');
  const dingtalk = new MemoryReader('dingtalk');
  const sync = createDirectorySync({ repo, readers: [feishu, dingtalk], keys: ['employeeNo', 'mobile', 'email'], fixedLinks: () => fixed, log });
  return { feishu, dingtalk, sync };
}

async function personOf(platform: RemotePlatform, userId: string) {
  return (await repo.identities(platform)).find((i) => i.userId === userId)?.personId;
}

describe('directory sync', () => {
  it('stores both platforms and links one person across them, with each read recorded', async () => {
    await fresh();
    const { feishu, dingtalk, sync } = setup();
    feishu.add({ userId: 'ou_li', name: '李娜', employeeNo: 'E1', title: '经理' }).add({ userId: 'ou_wang', name: '王芳', mobile: '13800000002' });
    dingtalk.add({ userId: 'li', name: '李娜', employeeNo: 'E1' }).add({ userId: 'wang', name: '王芳', mobile: '+86 138 0000 0002' });
    dingtalk.departments.push({ id: 'sales', parentId: 'root', name: '销售部', leaderIds: ['li'] });
    const out = await sync.syncAll();
    expect(out.map((o) => [o.platform, o.ok, o.users, o.departments])).toEqual([
      ['feishu', true, 2, 1],
      ['dingtalk', true, 2, 2],
    ]);
    expect(await personOf('dingtalk', 'li')).toBe(await personOf('feishu', 'ou_li'));
    expect(await personOf('dingtalk', 'wang')).toBe(await personOf('feishu', 'ou_wang'));
    expect(await personOf('dingtalk', 'li')).not.toBe(await personOf('dingtalk', 'wang'));
    expect((await repo.identities('feishu')).find((i) => i.userId === 'ou_li')).toMatchObject({ name: '李娜', title: '经理', employeeNo: 'E1', status: 'active', settled: true, leftAt: null });
    expect(await repo.departments('dingtalk')).toContainEqual({ platform: 'dingtalk', id: 'sales', parentId: 'root', name: '销售部', leaderIds: ['li'] });
    expect((await repo.lastReads()).map((r) => [r.platform, r.outcome, r.users])).toEqual([
      ['dingtalk', 'ok', 2],
      ['feishu', 'ok', 2],
    ]);
    expect(await repo.issues()).toEqual([]);
  });

  it('keeps person ids across syncs, marks a user missing from a complete read as left, and frees their seat', async () => {
    await fresh();
    const { feishu, dingtalk, sync } = setup();
    feishu.add({ userId: 'ou_1', employeeNo: 'E1' });
    dingtalk.add({ userId: 'd1', employeeNo: 'E1' });
    await sync.syncAll();
    const person = await personOf('feishu', 'ou_1');
    // Feishu was read first: the person is named after the identity first seen.
    expect(person).toBe(personIdFor({ platform: 'feishu', userId: 'ou_1' }));

    feishu.users.delete('ou_1');
    const second = await sync.syncPlatform('feishu');
    expect(second.left).toBe(1);
    const gone = (await repo.identities('feishu'))[0]!;
    expect(gone).toMatchObject({ userId: 'ou_1', status: 'left', personId: person });
    expect(gone.leftAt).toBeInstanceOf(Date);

    // A rehire under a new Feishu id takes the person's Feishu seat again.
    feishu.add({ userId: 'ou_1b', employeeNo: 'E1' });
    await sync.syncPlatform('feishu');
    expect(await personOf('feishu', 'ou_1b')).toBe(person);
    expect(await personOf('dingtalk', 'd1')).toBe(person);
    expect(await repo.issues()).toEqual([]);
  });

  it('does not mark anyone left when departments were out of the app range', async () => {
    await fresh();
    const { feishu, sync } = setup();
    feishu.add({ userId: 'ou_1' }).add({ userId: 'ou_2' });
    await sync.syncPlatform('feishu');
    feishu.users.delete('ou_2');
    feishu.gaps = [{ what: 'department:od-9', why: '40004' }];
    expect((await sync.syncPlatform('feishu')).left).toBe(0);
    expect((await repo.identities('feishu')).map((i) => [i.userId, i.status])).toEqual([
      ['ou_1', 'active'],
      ['ou_2', 'active'],
    ]);
    expect((await repo.lastReads()).find((r) => r.platform === 'feishu')!.gaps).toEqual([{ what: 'department:od-9', why: '40004' }]);
  });

  it('holds a conflicting identity apart, lists it, and links it once the data is fixed', async () => {
    await fresh();
    const { feishu, dingtalk, sync } = setup();
    feishu.add({ userId: 'ou_a', employeeNo: 'E1' }).add({ userId: 'ou_b', mobile: '13900000002' });
    dingtalk.add({ userId: 'dx', employeeNo: 'E1', mobile: '13900000002' });
    await sync.syncAll();
    const issues = await repo.issues();
    expect(issues.filter((i) => i.kind !== 'unlinked').map(({ foundAt: _, ...i }) => i)).toEqual([
      {
        kind: 'conflict',
        identity: { platform: 'dingtalk', userId: 'dx' },
        matches: [
          { key: 'employeeNo', personId: await personOf('feishu', 'ou_a') },
          { key: 'mobile', personId: await personOf('feishu', 'ou_b') },
        ],
      },
    ]);
    expect(issues.filter((i) => i.kind === 'unlinked').map((i) => ('identity' in i ? i.identity.userId : ''))).toEqual(['ou_a', 'ou_b']);
    expect((await repo.identities('dingtalk'))[0]!.settled).toBe(false);
    expect(await personOf('dingtalk', 'dx')).toBe(personIdFor({ platform: 'dingtalk', userId: 'dx' }));

    // The admin fixes the mobile on DingTalk: dx is E1 only, and joins ou_a.
    dingtalk.add({ userId: 'dx', employeeNo: 'E1', mobile: '13900000009' });
    await sync.syncPlatform('dingtalk');
    expect(await personOf('dingtalk', 'dx')).toBe(await personOf('feishu', 'ou_a'));
    expect((await repo.issues()).filter((i) => i.kind === 'conflict')).toEqual([]);
    expect((await repo.identities()).every((i) => i.settled)).toBe(true);
  });

  it('keeps everything when a read fails, and records the failure', async () => {
    await fresh();
    const { feishu, sync } = setup();
    feishu.add({ userId: 'ou_1' });
    await sync.syncPlatform('feishu');
    feishu.fail = true;
    const out = await sync.syncPlatform('feishu');
    expect(out).toMatchObject({ ok: false, error: 'feishu: no permission' });
    expect((await repo.identities('feishu')).map((i) => [i.userId, i.status])).toEqual([['ou_1', 'active']]);
    expect((await repo.lastReads())[0]).toMatchObject({ platform: 'feishu', outcome: 'failed', error: 'feishu: no permission' });
  });

  it('applies change events: a hire linked at once, a leaver, a renamed id, a department removed', async () => {
    await fresh();
    const { feishu, dingtalk, sync } = setup();
    feishu.add({ userId: 'ou_1', employeeNo: 'E7' });
    dingtalk.departments.push({ id: 'ops', parentId: 'root', name: 'Ops', leaderIds: [] });
    await sync.syncAll();

    dingtalk.add({ userId: 'd7', employeeNo: 'E7' });
    await sync.applyChange({ platform: 'dingtalk', kind: 'user_upserted', userId: 'd7' });
    expect(await personOf('dingtalk', 'd7')).toBe(await personOf('feishu', 'ou_1'));

    await sync.applyChange({ platform: 'dingtalk', kind: 'user_renamed', userId: 'd7', newUserId: 'd7new' });
    expect(await personOf('dingtalk', 'd7new')).toBe(await personOf('feishu', 'ou_1'));

    await sync.applyChange({ platform: 'feishu', kind: 'user_left', userId: 'ou_1' });
    expect((await repo.identities('feishu'))[0]).toMatchObject({ status: 'left', personId: await personOf('dingtalk', 'd7new') });

    await sync.applyChange({ platform: 'dingtalk', kind: 'department_removed', departmentId: 'ops' });
    expect((await repo.departments('dingtalk')).map((d) => d.id)).toEqual(['root']);
    // A user the platform no longer returns (read after the event) has left.
    await sync.applyChange({ platform: 'dingtalk', kind: 'user_upserted', userId: 'ghost' });
    expect((await repo.identities('dingtalk')).map((i) => i.userId)).toEqual(['d7new']);
  });

  it('leaves one consistent directory after ten concurrent syncs and events', async () => {
    await fresh();
    const { feishu, dingtalk, sync } = setup();
    for (let i = 0; i < 60; i++) {
      feishu.add({ userId: `ou_${i}`, employeeNo: `E${i}` });
      dingtalk.add({ userId: `d${i}`, employeeNo: `E${i}` });
    }
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => sync.syncPlatform(i % 2 ? 'feishu' : 'dingtalk')),
      ...Array.from({ length: 10 }, (_, i) => sync.applyChange({ platform: 'dingtalk', kind: 'user_upserted', userId: `d${i}` })),
    ]);
    const all = await repo.identities();
    expect(all).toHaveLength(120);
    for (let i = 0; i < 60; i++) expect(all.find((x) => x.userId === `d${i}`)!.personId).toBe(all.find((x) => x.userId === `ou_${i}`)!.personId);
    expect(new Set(all.map((x) => x.personId)).size).toBe(60);
    expect(await repo.issues()).toEqual([]);
  });
});
