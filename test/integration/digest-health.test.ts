// The admins' "organisation health" section of the daily digest, on real Postgres: fed by the
// providers the composition root passes (here the org doctor and a stand-in for the directory
// sync), read by the members of role admin only; an admin who manages nothing gets a digest
// only when there is something to say; a failing provider does not stop the digest.
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthNote } from '../../src/core/digest.js';
import { doctorNotes, orgDoctor } from '../../src/core/org-doctor.js';
import { outbox } from '../../src/store/schema.js';
import { fixed, openStack, orgFrom, sh, type Stack } from './scheduler-harness.js';

let stack: Stack;
const clock = fixed(sh('2027-03-09 08:30')); // Tuesday
// 韩梅 (no department of her own) is an admin; content review's second step asks for the parent
// department lead, which nobody above 集团总部 is: the doctor has a finding.
const dir = orgFrom({ roles: { admin: ['hanmei'] } });

beforeAll(async () => {
  stack = await openStack();
});
afterAll(() => stack?.close());

const digestOf = async (day: string, to: string) =>
  (await stack.database.db.select().from(outbox).where(and(isNull(outbox.requestId), eq(outbox.kind, 'notify'))))
    .filter((r) => r.dedupeKey?.includes(`:${day}:`))
    .map((r) => r.payload as { people: string[]; message: { params: { text: string } } })
    .find((p) => p.people.includes(to))?.message.params.text;

describe('organisation health in the daily digest', () => {
  it('an admin who manages nothing gets the health section from every provider; managers do not; a failing provider is left out', async () => {
    const sync: HealthNote[] = [{ key: 'health.roles_empty', params: { roles: 'stand-in' } }];
    const node = stack.node(dir, clock, {
      worker: false,
      health: [async () => doctorNotes(orgDoctor(dir), dir), async () => sync, () => Promise.reject(new Error('sync down'))],
    });
    const { sent } = await node.scheduler.runDigest();
    expect(sent).toContain('hanmei');
    const text = (await digestOf('2027-03-09', 'hanmei'))!.split('\n');
    expect(text[0]).toBe('每日摘要 · 2027-03-09');
    expect(text).toContain('【组织健康（2）】');
    expect(text.find((l) => l.startsWith('· ') && l.includes('处审批步骤找不到审批人'))).toMatch(/「内容审核」的「分管领导审核」在 集团总部（转交 韩梅）/);
    expect(text).toContain('· 角色没有成员：stand-in');
    // The on-demand digest (日报) of an admin says the same.
    expect((await node.scheduler.digestFor('hanmei', '2027-03-09')).text).toContain('【组织健康（2）】');
    // Not an admin: no health section, whatever else their digest says.
    expect(await digestOf('2027-03-09', 'chenjie')).toBeUndefined();
    expect((await node.scheduler.digestFor('liuyang', '2027-03-09')).text).not.toContain('组织健康');
    await node.stop();
  });

  it('no notes: an admin who manages nothing is sent nothing', async () => {
    clock.set(sh('2027-03-10 08:30'));
    const node = stack.node(dir, clock, { worker: false, health: [async () => []] });
    const { sent } = await node.scheduler.runDigest();
    expect(sent).not.toContain('hanmei');
    expect(await digestOf('2027-03-10', 'hanmei')).toBeUndefined();
    await node.stop();
  });
});
