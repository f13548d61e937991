// Exactly once under contention, on real Postgres: 1,000 concurrent deliveries of one approve
// (the same platform event, as retries would bring it), and 50 approvers tapping one or-sign
// step at the same instant.
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXAMPLE_ORG_FILE, directoryFromText } from '../../src/org/load.js';
import { createApprovals } from '../../src/services/approvals.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { syncOrganisation } from '../../src/store/org-sync.js';
import { decisions, outbox } from '../../src/store/schema.js';
import { eventPayload } from '../support/core-fixtures.js';
import { createTestDatabaseUrl } from '../support/db.js';

const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as { people: unknown[]; roles: Record<string, string[]>; workflows: unknown[] };
const panel = Array.from({ length: 50 }, (_, i) => `panel${i}`);
org.people.push(...panel.map((id) => ({ id, name: `评审${id.slice(5)}`, dept: 'hq-marketing' })));
org.roles.panel = panel;
org.workflows = [
  { requestType: 'event', steps: [{ id: 'lead', name: '部门', approvers: ['dept_lead'] }, { id: 'panel', name: '评审组', approvers: ['role:panel'], mode: 'any' }, { id: 'fin', name: '财务', approvers: ['role:finance'] }] },
];
const dir = directoryFromText(stringify(org));

let database: Database;
let drop: () => Promise<void>;
beforeAll(async () => {
  const t = await createTestDatabaseUrl();
  drop = t.drop;
  database = await openDatabase({ url: t.url, dataDir: '/tmp', poolSize: 20 });
  await syncOrganisation(database.db, dir);
});
afterAll(async () => {
  await database?.close();
  await drop?.();
});

const approvals = () => createApprovals({ database, dir, now: () => new Date() });

describe('exactly once under concurrency', () => {
  it('1,000 concurrent deliveries of the same approve → one decision, one set of intents', async () => {
    const svc = approvals();
    const sub = await svc.submit({ applicantId: 'liming', type: 'event', payload: eventPayload(), platform: 'feishu', idempotencyKey: 'feishu:evt-submit-1' });
    if (!sub.ok) throw new Error(sub.code);
    const id = sub.state.id;
    const outboxBefore = (await database.db.select().from(outbox).where(eq(outbox.requestId, id))).length;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 1000 }, () => svc.act(id, { type: 'approve', stepId: 'lead' }, { personId: 'liuyang', platform: 'feishu' }, 'feishu:evt-approve-1')),
    );
    const ms = performance.now() - started;
    const applied = results.filter((r) => r.ok && !r.duplicate);
    expect(applied).toHaveLength(1);
    expect(results.every((r) => r.ok || r.code === 'already_decided')).toBe(true);
    const rows = await database.db.select().from(decisions).where(eq(decisions.requestId, id));
    expect(rows).toHaveLength(1);
    const intents = (await database.db.select().from(outbox).where(eq(outbox.requestId, id))).length - outboxBefore;
    // One approval: post the next step's card, refresh every card, tell the applicant.
    expect(intents).toBe(3);
    console.log(`1000 concurrent identical approves: ${ms.toFixed(0)} ms, decisions=${rows.length}, new intents=${intents}`);
  });

  it('50 approvers tap one or-sign step at once → exactly one decision closes it', async () => {
    const svc = approvals();
    const sub = await svc.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name: '或签' }), platform: 'local' });
    if (!sub.ok) throw new Error(sub.code);
    const id = sub.state.id;
    await svc.act(id, { type: 'approve', stepId: 'lead' }, { personId: 'liuyang', platform: 'local' });
    const before = (await database.db.select().from(outbox).where(eq(outbox.requestId, id))).length;
    const started = performance.now();
    const results = await Promise.all(panel.map((p, i) => svc.act(id, { type: 'approve', stepId: 'panel' }, { personId: p, platform: 'dingtalk' }, `dingtalk:tap-${i}`)));
    const ms = performance.now() - started;
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.code === 'step_closed')).toHaveLength(49);
    const panelDecisions = (await database.db.select().from(decisions).where(eq(decisions.requestId, id))).filter((d) => d.stepId === 'panel');
    expect(panelDecisions).toHaveLength(1);
    const intents = (await database.db.select().from(outbox).where(eq(outbox.requestId, id))).length - before;
    expect(intents).toBe(3);
    const state = await svc.load(id);
    expect(state?.steps[state.current!]?.id).toBe('fin');
    console.log(`50 approvers on one or-sign step: ${ms.toFixed(0)} ms, decisions=${panelDecisions.length}, refused=${results.filter((r) => !r.ok).length}, new intents=${intents}`);
  });
});
