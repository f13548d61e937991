// Nothing is forgotten: Redis flushed while reminders are pending, workers restarted, two
// scheduler replicas on one database and one Redis — every timer fires exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inArray } from 'drizzle-orm';
import { TICK_MS, tickAt, tickIdOf } from '../../src/scheduler/index.js';
import { insertTimers, timerIdOf } from '../../src/store/timers-repo.js';
import { createApprovals } from '../../src/services/approvals.js';
import { timers } from '../../src/store/schema.js';
import { eventPayload } from '../support/core-fixtures.js';
import { uniqueName } from '../support/env.js';
import { openStack, orgFrom, sh, sleep, waitFor, warp, type Clock, type Node, type Stack } from './scheduler-harness.js';

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

/**
 * Pending timers of these requests, and how many of them no delayed job in Redis will wake:
 * neither a job of their own nor a tick at their instant (rounded up to the tick slot).
 */
async function unwoken(n: Node, clock: Clock, ids: string[]): Promise<{ pending: number; unwoken: number }> {
  const jobs = await n.scheduler.queue.getDelayed();
  const own = new Set(jobs.map((j) => j.id));
  const ticks = jobs.filter((j) => j.name === 'tick').map((j) => tickAt(j.id!));
  let pending = 0;
  let missing = 0;
  for (const id of ids) {
    for (const r of await stack.timers(id)) {
      if (r.firedAt || r.cancelledAt) continue;
      pending++;
      const due = Date.now() + clock.delayMs(r.fireAt);
      if (!own.has(r.id) && !ticks.some((t) => t >= due - 5 && t <= due + TICK_MS + 5)) missing++;
    }
  }
  return { pending, unwoken: missing };
}

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
    await waitFor('delayed jobs in Redis', async () => (await unwoken(first, clock, ids)).unwoken === 0);
    await first.stop();
    expect(await stack.flushRedis(prefix)).toBeGreaterThan(0);
    const second = stack.node(dir, clock, { prefix }); // not started yet
    expect(await unwoken(second, clock, ids)).toEqual({ pending: 6, unwoken: 6 });
    // The half-way reminders fall due while nothing runs and Redis has nothing.
    const reminders = await Promise.all(ids.map(async (id) => (await stack.timers(id))[0]!));
    expect(reminders.map((r) => r.kind)).toEqual(ids.map(() => 'remind'));
    await waitFor('the reminders to be overdue', async () => reminders.every((r) => clock.now().getTime() > r.fireAt.getTime() + 60_000));

    await second.start(); // reconcile: fires what is overdue, mirrors the rest
    for (const id of ids) expect(await fired(id)).toEqual(['reminder_sent:remind']);
    expect(await unwoken(second, clock, ids)).toEqual({ pending: 6, unwoken: 0 }); // the escalations

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

  // Generous waits: on two busy cores (the suite's second run) a delayed job can be promoted late;
  // what is asserted is that every timer fires once and never before its instant, not how soon.
  it('timers due at the same instant share one tick, which fires them all once; a tick woken early sleeps until its instant', { timeout: 120_000 }, async () => {
    const clock = warp(sh('2026-11-23 10:00'), 60);
    const prefix = uniqueName('ts');
    const a = stack.node(dir, clock, { prefix });
    await a.start();
    const bare = (tag: string, n: number, at: Date) =>
      Array.from({ length: n }, (_, i) => ({ id: timerIdOf(`${tag}/${i}`, 0), requestId: null, kind: 'remind', fireAt: at, payload: { chain: `${tag}/${i}`, n: 0 } }));
    const firedOf = async (ids: string[]) => (await stack.database.db.select().from(timers).where(inArray(timers.id, ids))).filter((r) => r.firedAt).length;

    // Eight timers due together, 3 s (real) ahead: one delayed job in Redis for all of them.
    const together = bare('together', 8, new Date(clock.now().getTime() + 3_000 * 60));
    await insertTimers(stack.database.db, together);
    const due = Date.now() + clock.delayMs(together[0]!.fireAt);
    expect(await a.scheduler.mirror(together)).toBe(8);
    // (Other tests' pending timers in this database have their own ticks, far from this one.)
    const jobs = await a.scheduler.queue.getDelayed();
    expect(jobs.filter((j) => j.name === 'tick' && Math.abs(tickAt(j.id!) - due) < 500).map((j) => j.name)).toEqual(['tick']);
    expect(jobs.filter((j) => together.some((t) => t.id === j.id))).toEqual([]);
    await waitFor('the tick to fire them', async () => (await firedOf(together.map((t) => t.id))) === 8, 45_000);
    const rows = await stack.database.db.select().from(timers).where(inArray(timers.id, together.map((t) => t.id)));
    expect(rows.every((r) => r.firedAt && r.firedAt >= r.fireAt)).toBe(true);

    // A tick that runs before its instant (a replica whose clock is ahead added it with no delay).
    const early = bare('early', 3, new Date(clock.now().getTime() + 1_500 * 60));
    const realAt = Date.now() + 1_600; // the tick's instant: after the timers' (1.5 s ahead)
    await insertTimers(stack.database.db, early);
    await a.scheduler.queue.add('tick', { type: 'tick' }, { jobId: tickIdOf(realAt), delay: 0 });
    await sleep(500);
    expect(await firedOf(early.map((t) => t.id))).toBe(0);
    expect(await (await a.scheduler.queue.getJob(tickIdOf(realAt)))?.getState()).toBe('delayed');
    await waitFor('the early tick to fire at its instant', async () => (await firedOf(early.map((t) => t.id))) === 3, 45_000);
    expect(Date.now()).toBeGreaterThanOrEqual(realAt);
    await a.stop();
  });
});

