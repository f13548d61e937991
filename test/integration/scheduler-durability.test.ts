// Nothing is forgotten: Redis flushed while reminders are pending, workers restarted, two
// scheduler replicas on one database and one Redis — every timer fires exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovals } from '../../src/services/approvals.js';
import { timers } from '../../src/store/schema.js';
import { eventPayload } from '../support/core-fixtures.js';
import { uniqueName } from '../support/env.js';
import { openStack, orgFrom, sh, sleep, waitFor, warp, type Node, type Stack } from './scheduler-harness.js';

let stack: Stack;
beforeAll(async () => {
  stack = await openStack();
});
afterAll(() => stack?.close());

const dir = orgFrom({
  workflows: [
    { requestType: 'event', rooms: [], reminders: { before: ['50%'], overdueEvery: '10m', maxOverdue: 2 }, steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'], due: '30m' }] },
  ],
});
const EXPECTED = ['reminder_sent:remind', 'escalated', 'reminder_sent:overdue', 'reminder_sent:overdue'];

async function submitMany(nodes: Node[], n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await nodes[i % nodes.length]!.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name: `活动 ${i}` }), platform: 'local' });
    if (!r.ok) throw new Error(JSON.stringify(r));
    ids.push(r.state.id);
  }
  return ids;
}

const fired = async (id: string) =>
  (await stack.audit(id)).filter((a) => a.action === 'reminder_sent' || a.action === 'escalated').map((a) => (a.action === 'escalated' ? a.action : `reminder_sent:${String(a.detail.point)}`));

const timerJobs = async (n: Node) => (await n.scheduler.queue.getDelayed()).filter((j) => j.name === 'timer').length;

async function allDone(ids: string[]): Promise<boolean> {
  for (const id of ids) if ((await fired(id)).length < EXPECTED.length) return false;
  return true;
}

describe('durability', () => {
  it('Redis flushed while reminders are pending: after a restart every reminder still fires, exactly once', async () => {
    const clock = warp(sh('2026-11-23 10:00'), 300); // 5 fake minutes per real second
    const prefix = uniqueName('ts');
    const first = stack.node(dir, clock, { prefix });
    await first.start();
    const ids = await submitMany([first], 6);
    await waitFor('delayed jobs in Redis', async () => (await timerJobs(first)) === 6);
    await first.stop();
    expect(await stack.flushRedis(prefix)).toBeGreaterThan(0);
    // The half-way reminders fall due while nothing runs and Redis has nothing.
    const reminders = await Promise.all(ids.map(async (id) => (await stack.timers(id))[0]!));
    expect(reminders.map((r) => r.kind)).toEqual(ids.map(() => 'remind'));
    await waitFor('the reminders to be overdue', async () => reminders.every((r) => clock.now().getTime() > r.fireAt.getTime() + 60_000));

    const second = stack.node(dir, clock, { prefix });
    await second.start(); // reconcile: fires what is overdue, mirrors the rest
    for (const id of ids) expect(await fired(id)).toEqual(['reminder_sent:remind']);
    expect(await timerJobs(second)).toBe(6); // the escalations

    await waitFor('every chain to finish', () => allDone(ids), 15_000);
    await sleep(300);
    for (const id of ids) {
      expect(await fired(id)).toEqual(EXPECTED);
      const rows = await stack.timers(id);
      expect(rows.map((r) => r.kind)).toEqual(['remind', 'escalate', 'overdue', 'overdue']);
      expect(rows.every((r) => r.firedAt && !r.cancelledAt)).toBe(true);
    }
    await second.stop();
  });

  it('two scheduler replicas on the same database and Redis: each timer fires once', async () => {
    const clock = warp(sh('2026-11-23 10:00'));
    const prefix = uniqueName('ts');
    const a = stack.node(dir, clock, { prefix });
    const b = stack.node(dir, clock, { prefix });
    await Promise.all([a.start(), b.start()]);
    const ids = await submitMany([a, b], 20);
    // Both reconcile at once while the workers run: every add is a no-op on an existing job id.
    await Promise.all([a.scheduler.reconcile({ full: true }), b.scheduler.reconcile({ full: true }), a.scheduler.reconcile(), b.scheduler.reconcile()]);
    await waitFor('every chain to finish', () => allDone(ids), 20_000);
    await sleep(300);
    for (const id of ids) expect(await fired(id)).toEqual(EXPECTED);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('the same timer fired from many places at once is claimed once', async () => {
    const clock = warp(sh('2026-11-23 10:00'));
    const prefix = uniqueName('ts');
    const a = stack.node(dir, clock, { prefix, worker: false });
    const b = stack.node(dir, clock, { prefix, worker: false });
    const [id] = await submitMany([a], 1);
    const [remind] = await stack.timers(id!);
    await waitFor('the reminder to be due', async () => clock.now() >= remind!.fireAt);
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).scheduler.fire(remind!.id)));
    expect(outcomes.filter((o) => o === 'fired')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'skipped')).toHaveLength(7);
    expect(await fired(id!)).toEqual(['reminder_sent:remind']);
    // The escalation, fired concurrently through the approval service: one transition.
    const escalate = (await stack.timers(id!)).find((r) => r.kind === 'escalate')!;
    await waitFor('the deadline', async () => clock.now() >= escalate.fireAt);
    const esc = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).scheduler.fire(escalate.id)));
    expect(esc.filter((o) => o === 'fired')).toHaveLength(1);
    expect((await stack.audit(id!)).filter((x) => x.action === 'escalated')).toHaveLength(1);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a timer for a request decided behind its back does nothing, and is closed', async () => {
    const clock = warp(sh('2026-11-23 10:00'));
    const prefix = uniqueName('ts');
    const a = stack.node(dir, clock, { prefix, worker: false });
    const [id] = await submitMany([a], 1);
    // A writer without the scheduler's hook (an old replica, a manual fix) decides the request.
    const bare = createApprovals({ database: stack.database, dir, now: clock.now });
    const r = await bare.act(id!, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' });
    expect(r.ok).toBe(true);
    const [remind] = await stack.timers(id!);
    expect(remind!.firedAt).toBeNull();
    await waitFor('the reminder to be due', async () => clock.now() >= remind!.fireAt);
    expect(await a.scheduler.fire(remind!.id)).toBe('fired');
    expect(await fired(id!)).toEqual([]);
    // The stale chain is gone; the approved event got its own timers instead.
    const rows = await stack.database.db.select().from(timers);
    const mine = rows.filter((x) => x.requestId === id);
    expect(mine.filter((x) => !x.firedAt && !x.cancelledAt).map((x) => x.kind)).toEqual(['pre_event']);
    expect(await a.scheduler.fire(remind!.id)).toBe('skipped');
    await a.stop();
  });
});
