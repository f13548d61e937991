// The outbox re-drive: rows stay `relayed` until every delivery job they were expanded into is
// recorded done; a re-drive queues again exactly the jobs that are not done — after Redis lost
// them — and never one that was sent.
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveriesDone, outbox, simMessages } from '../../src/store/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventPayload } from '../support/core-fixtures.js';
import { waitFor } from '../support/wait.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const botMessages = async () => (await t.app.database.db.select().from(simMessages).orderBy(asc(simMessages.id))).filter((m) => m.sender === 'bot').map((m) => `${m.conversation} ${m.kind} ${m.text ?? ''}`);
const statuses = async () => (await t.app.database.db.select({ status: outbox.status }).from(outbox)).map((r) => r.status);
/** What a lost Redis looks like to the delivery queues: every job gone, completed ones too. */
const loseDeliveryJobs = () => Promise.all(t.app.queues.deliveries.all().map((q) => q.obliterate({ force: true })));
const deliveryWorkers = () => t.app.workers.filter((w) => w.name.startsWith('deliveries'));

describe('outbox re-drive', () => {
  it('sends what Redis lost, once; sends nothing that was sent', async () => {
    const db = t.app.database.db;
    const r = await t.app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload(), platform: 'local' });
    if (!r.ok) throw new Error(JSON.stringify(r));
    await t.idle();
    expect(await statuses()).toEqual((await statuses()).map(() => 'delivered'));
    const sent = await botMessages();
    expect(sent.length).toBeGreaterThan(0);

    // Everything done, then Redis forgets even the completed jobs: a re-drive sends nothing again.
    await loseDeliveryJobs();
    await db.update(outbox).set({ status: 'relayed' }); // as if a completion had not been counted
    const again = await t.app.relay.redrive();
    expect(again.jobs).toBe(0);
    expect(await statuses()).toEqual((await statuses()).map(() => 'delivered'));
    // A job queued again under a recorded id is skipped by the worker.
    const [done] = await db.select().from(deliveriesDone).where(eq(deliveriesDone.outcome, 'sent')).limit(1);
    await t.app.queues.deliveries.perPlatform.get('local')!.add('message.send', { type: 'message.send', platform: 'local', target: { type: 'user', id: 'liming' }, message: { text: 'must not be sent' } }, { jobId: done!.jobId });
    await t.idle();
    expect(await botMessages()).toEqual(sent);

    // A decision whose deliveries are queued when Redis loses them: re-driven, then sent once.
    await Promise.all(deliveryWorkers().map((w) => w.pause(true)));
    const step = r.state.steps[r.state.current!]!;
    expect((await t.app.approvals.act(r.state.id, { type: 'approve', stepId: step.id }, { personId: step.approvers[0]!, platform: 'local' })).ok).toBe(true);
    await waitFor('the decision relayed', async () => (await statuses()).every((s) => s !== 'pending'));
    expect(await statuses()).toContain('relayed');
    await loseDeliveryJobs();
    const redriven = await t.app.relay.redrive();
    expect(redriven.jobs).toBeGreaterThan(0);
    const queued = async () => (await Promise.all(t.app.queues.deliveries.all().map((q) => q.getWaitingCount()))).reduce((a, b) => a + b, 0);
    const before = await queued();
    expect(before).toBeGreaterThan(0);
    await t.app.relay.redrive();
    expect(await queued()).toBe(before); // the same ids: nothing queued twice
    await Promise.all(deliveryWorkers().map((w) => w.resume()));
    await t.idle();
    await waitFor('every row delivered', async () => (await statuses()).every((s) => s === 'delivered'));
    const after = await botMessages();
    expect(after.slice(0, sent.length)).toEqual(sent);
    const added = after.slice(sent.length);
    expect(added.length).toBeGreaterThan(0);
    expect(new Set(added).size).toBe(added.length); // each new notice once
  });
});
