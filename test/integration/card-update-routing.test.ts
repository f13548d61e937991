// Card updates travel like sends: on the platform's own delivery queue (paced by its limiter),
// not on the general queue of fan-out jobs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventPayload } from '../support/core-fixtures.js';
import { waitFor } from '../support/wait.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

describe('card.update routing', () => {
  it('a decision refreshes every card copy through deliveries-<platform>', async () => {
    const r = await t.app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload(), platform: 'local' });
    if (!r.ok) throw new Error(JSON.stringify(r));
    await t.idle();
    const step = r.state.steps[r.state.current!]!;
    const acted = await t.app.approvals.act(r.state.id, { type: 'approve', stepId: step.id }, { personId: step.approvers[0]!, platform: 'local' });
    expect(acted.ok).toBe(true);
    await t.idle();
    const local = t.app.queues.deliveries.perPlatform.get('local')!;
    const general = t.app.queues.deliveries.general;
    const updates = await waitFor('the card updates', async () => {
      const jobs = (await local.getCompleted()).filter((j) => j.name === 'card.update');
      return jobs.length ? jobs : undefined;
    });
    expect(updates.every((j) => j.data.type === 'card.update' && j.data.platform === 'local')).toBe(true);
    expect((await general.getCompleted()).filter((j) => j.name === 'card.update')).toEqual([]);
    // The fan-out that made them still runs on the general queue.
    expect((await general.getCompleted()).some((j) => j.name === 'card.refresh')).toBe(true);
  });
});
