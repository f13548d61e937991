// The mirror horizon: only timers due within it have a delayed job in Redis. The start-up
// reconcile mirrors what falls within it; a timer created inside it is mirrored at once; one
// further out waits in Postgres until the periodic reconcile adds it as it enters the horizon,
// and still fires on time. The app clock runs 600× real time, so an hour passes in 6 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inArray } from 'drizzle-orm';
import { tickAt } from '../../src/scheduler/index.js';
import { insertTimers, timerIdOf } from '../../src/store/timers-repo.js';
import { timers } from '../../src/store/schema.js';
import { openStack, orgFrom, sh, waitFor, warp, type Stack } from './scheduler-harness.js';

let stack: Stack;
beforeAll(async () => {
  stack = await openStack();
});
afterAll(() => stack?.close());

const SPEED = 600;
const HOUR = 3_600_000;
const MIN = 60_000;

describe('mirror horizon', () => {
  it('start-up mirrors only what is within the horizon; a timer created inside fires; one outside fires on time after it enters', async () => {
    // An evening after business hours: no digest catch-up at start-up.
    const start = sh('2026-03-04 20:00');
    const clock = warp(start, SPEED);
    const node = stack.node(orgFrom(), clock, { mirrorHorizonMs: HOUR, reconcileEveryMs: 500 });
    const at = (ms: number) => new Date(start.getTime() + ms);
    const row = (name: string, fireAt: Date) => ({ id: timerIdOf(`horizon/${name}`, 0), requestId: null, kind: 'remind', fireAt, payload: { chain: `horizon/${name}`, n: 0 } });
    // Pending before start-up: one inside the horizon, one that enters it 3 s (real) on, one far out.
    const inside = row('inside', at(30 * MIN));
    const outside = row('outside', at(HOUR + 30 * MIN));
    const far = row('far', at(100 * HOUR));
    await insertTimers(stack.database.db, [inside, outside, far]);

    await node.start();
    const ticks = async () => (await node.scheduler.queue.getDelayed()).filter((j) => j.name === 'tick' || j.name === 'timer');
    const realAt = (d: Date) => Date.now() + clock.delayMs(d);
    // A tick at its instant, or a job of its own (due within NEAR_MS).
    const woken = async (r: { id: string; fireAt: Date }) => (await ticks()).some((j) => j.id === r.id || (j.name === 'tick' && Math.abs(tickAt(j.id!) - realAt(r.fireAt)) < 200));
    expect(await woken(inside)).toBe(true);
    expect(await woken(outside)).toBe(false);
    expect(await woken(far)).toBe(false);
    expect((await ticks()).length).toBe(1);

    // Created inside the horizon (a transition's commit): mirrored at once.
    const created = row('created', new Date(clock.now().getTime() + 40 * MIN));
    const createdFar = row('created-far', new Date(clock.now().getTime() + 50 * HOUR));
    await insertTimers(stack.database.db, [created, createdFar]);
    await node.scheduler.mirror([created, createdFar]);
    expect(await woken(created)).toBe(true);
    expect(await woken(createdFar)).toBe(false);

    const ids = [inside.id, outside.id, created.id];
    const fired = () => stack.database.db.select().from(timers).where(inArray(timers.id, [...ids, far.id, createdFar.id]));
    await waitFor('the three timers within reach fired', async () => (await fired()).filter((r) => r.firedAt).length >= ids.length, 30_000);
    const rows = new Map((await fired()).map((r) => [r.id, r]));
    for (const id of ids) {
      const r = rows.get(id)!;
      // Late by at most a couple of real seconds (the machine is shared), never early.
      const lateReal = (r.firedAt!.getTime() - r.fireAt.getTime()) / SPEED;
      expect(lateReal).toBeGreaterThanOrEqual(0);
      expect(lateReal).toBeLessThan(2_000);
    }
    expect(rows.get(far.id)!.firedAt).toBeNull();
    expect(rows.get(createdFar.id)!.firedAt).toBeNull();
    // Still nothing in Redis for the far ones: only what is within the horizon is mirrored.
    expect(await woken(far)).toBe(false);
    expect(await woken(createdFar)).toBe(false);
    await node.stop();
  }, 60_000);
});
