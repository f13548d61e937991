// The event lifecycle after approval, through the service on real Postgres and on embedded
// PGlite: approved → summary → scoring → reimbursement (over budget adds a step) → closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestState } from '../../src/core/model.js';
import { createApprovals, type Approvals } from '../../src/services/approvals.js';
import { openDatabase, type Database } from '../../src/store/db.js';
import { syncOrganisation } from '../../src/store/org-sync.js';
import { auditLog, outbox } from '../../src/store/schema.js';
import { eventPayload, exampleDir } from '../support/core-fixtures.js';
import { createTestDatabaseUrl } from '../support/db.js';

// This service runs without the attachments hook: a reference is all the lifecycle sees.
const INVOICE = { id: '6f1c1f59-7a51-4c55-9a8e-2f4d4b0d9c01', name: '发票.jpg', mime: 'image/jpeg', size: 120_000 };

const dir = exampleDir();
describe.each(['postgres', 'pglite'] as const)('on %s', (driver) => {
  let database: Database;
  let drop: () => Promise<void>;
  let svc: Approvals;
  beforeAll(async () => {
    if (driver === 'postgres') {
      const t = await createTestDatabaseUrl();
      drop = t.drop;
      database = await openDatabase({ url: t.url, dataDir: '/tmp' });
    } else {
      const dataDir = mkdtempSync(join(tmpdir(), 'qianpi-pglite-engine-'));
      drop = async () => rmSync(dataDir, { recursive: true, force: true });
      database = await openDatabase({ dataDir });
      await database.migrate();
    }
    await syncOrganisation(database.db, dir);
    svc = createApprovals({ database, dir, now: () => new Date() });
  });
  afterAll(async () => {
    await database?.close();
    await drop?.();
  });

  const ok = <T extends { ok: boolean }>(r: T) => {
    if (!r.ok) throw new Error(JSON.stringify(r));
    return r as Extract<T, { ok: true }>;
  };
  const actor = (personId: string) => ({ personId, platform: 'local' as const });
  const status = async (id: string) => (await svc.load(id))!.status;
  const SUMMARY = { overview: '顺利', attendance: 76, results: '意向 12 台', feedback: '满意', problems: '签到慢', lessons: '提前备场', safetyReview: '无事故', actualSpend: [{ item: '场地', amount: 8000 }] };

  describe('event lifecycle', () => {
    let event: RequestState;
    it('a follow-up needs an approved event of the organiser', async () => {
      event = ok(await svc.submit({ applicantId: 'liming', type: 'event', payload: eventPayload(), platform: 'local' })).state;
      const early = await svc.submit({ applicantId: 'liming', type: 'summary', payload: { eventRef: event.number, ...SUMMARY }, platform: 'local' });
      expect(early).toMatchObject({ ok: false, message: { key: 'refuse.event_state' } });
      ok(await svc.act(event.id, { type: 'approve', stepId: 'dept-lead' }, actor('liuyang')));
      expect(await status(event.id)).toBe('approved');
      // Written after the event: before its end the refusal says when.
      const before = await svc.submit({ applicantId: 'liming', type: 'summary', payload: { eventRef: event.number, ...SUMMARY }, platform: 'local' });
      expect(before).toMatchObject({ ok: false, message: { key: 'refuse.summary_before_end', params: { number: event.number, end: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d$/) } } });
      const other = await svc.submit({ applicantId: 'hanmei', type: 'summary', payload: { eventRef: event.number, ...SUMMARY }, platform: 'local' });
      expect(other).toMatchObject({ ok: false, message: { key: 'refuse.not_organiser' } });
      const none = await svc.submit({ applicantId: 'liming', type: 'summary', payload: { eventRef: 'A-9999', ...SUMMARY }, platform: 'local' });
      expect(none).toMatchObject({ ok: false, message: { key: 'refuse.no_event' } });
    });

    it('end of event prompts the summary; submitting it prompts the scoring leaders', async () => {
      ok(await svc.advance(event.id, 'event_ended'));
      expect(await status(event.id)).toBe('summary_due');
      const prompts = (await database.db.select().from(outbox).where(eq(outbox.requestId, event.id))).filter((r) => r.kind === 'prompt_form');
      expect(prompts.map((p) => (p.payload as { requestType: string; people: string[] }))).toEqual([expect.objectContaining({ requestType: 'summary', people: ['liming'] })]);
      const summary = ok(await svc.submit({ applicantId: 'liming', type: 'summary', payload: { eventRef: event.number, ...SUMMARY }, platform: 'local' })).state;
      expect(summary.parentId).toBe(event.id);
      expect(await status(event.id)).toBe('summary_submitted');
      const scoringPrompt = (await database.db.select().from(outbox).where(eq(outbox.requestId, event.id))).map((r) => r.payload as { kind: string; requestType?: string; people?: string[] }).find((p) => p.requestType === 'scoring');
      // The organiser's department lead scores (the example's `scorers`); HQ's leads confirm, staff are not asked.
      expect(scoringPrompt?.people).toEqual(['liuyang']);
    });

    it('a leader scores; approval of the score marks the event scored and prompts reimbursement', async () => {
      const self = await svc.submit({ applicantId: 'liming', type: 'scoring', payload: { eventRef: event.number, qualitative: 30, quantitative: 50, comments: '好' }, platform: 'local' });
      expect(self).toMatchObject({ ok: false, message: { key: 'refuse.self_scoring' } });
      const scoring = ok(await svc.submit({ applicantId: 'liuyang', type: 'scoring', payload: { eventRef: event.number, qualitative: 34, quantitative: 52, comments: '组织有序' }, platform: 'local' })).state;
      const step = scoring.steps[scoring.current!]!;
      ok(await svc.act(scoring.id, { type: 'approve', stepId: step.id }, actor(step.approvers[0]!)));
      expect(await status(event.id)).toBe('scored');
    });

    it('reimbursement over the approved budget beyond the tolerance adds a leader step and says why', async () => {
      const r = ok(await svc.submit({ applicantId: 'liming', type: 'reimbursement', payload: { eventRef: event.number, items: [{ item: '场地', amount: 8000 }, { item: '餐饮', amount: 13500 }], invoices: '04400231', invoiceFiles: [INVOICE] }, platform: 'local' })).state;
      expect(await status(event.id)).toBe('reimbursing');
      expect(r.steps.map((s) => s.id)).toEqual(['dept-lead', 'finance', 'over-budget']);
      const why = (await database.db.select().from(auditLog).where(eq(auditLog.requestId, r.id))).find((a) => a.action === 'over_budget');
      expect(why?.detail).toMatchObject({ spent: 21500, approvedBudget: 20000, overBudgetPercent: 7.5, tolerancePercent: 5 });
      // What is asked is on the step (every card, list and timeline): the figures, and the event by name.
      expect(r.steps.at(-1)!.name).toBe('超预算审批（预算 ¥20,000，实报 ¥21,500，超 8%）');
      expect(r.title).toBe(`${event.number} ${event.title}`);
      ok(await svc.act(r.id, { type: 'approve', stepId: 'dept-lead' }, actor('liuyang')));
      ok(await svc.act(r.id, { type: 'approve', stepId: 'finance' }, actor('wangfang')));
      expect(await status(event.id)).toBe('reimbursing');
      ok(await svc.act(r.id, { type: 'approve', stepId: 'over-budget' }, actor('chenjie')));
      expect(await status(r.id)).toBe('approved');
      expect(await status(event.id)).toBe('closed');
    });

    it('spend within the tolerance needs no extra step', async () => {
      const e2 = ok(await svc.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name: '二场' }), platform: 'local' })).state;
      ok(await svc.act(e2.id, { type: 'approve', stepId: 'dept-lead' }, actor('liuyang')));
      ok(await svc.advance(e2.id, 'event_ended'));
      ok(await svc.submit({ applicantId: 'liming', type: 'summary', payload: { eventRef: e2.number, ...SUMMARY }, platform: 'local' }));
      const sc = ok(await svc.submit({ applicantId: 'zhaolei', type: 'scoring', payload: { eventRef: e2.number, qualitative: 30, quantitative: 40, comments: '可' }, platform: 'local' })).state;
      ok(await svc.act(sc.id, { type: 'approve', stepId: sc.steps[sc.current!]!.id }, actor(sc.steps[sc.current!]!.approvers[0]!)));
      // The organiser is told the score, who gave it and the comments.
      const told = (await database.db.select().from(outbox).where(eq(outbox.requestId, e2.id))).map((row) => row.payload as { kind: string; people?: string[]; message?: { key: string; params: Record<string, unknown> } });
      expect(told.find((p) => p.message?.key === 'event.scored_with_comments')).toMatchObject({ kind: 'notify', people: ['liming'], message: { params: { total: 70, qualitative: 30, quantitative: 40, who: '赵磊', comments: '可' } } });
      const r = ok(await svc.submit({ applicantId: 'liming', type: 'reimbursement', payload: { eventRef: e2.number, items: [{ item: '全部', amount: 20900 }], invoices: '1', invoiceFiles: [INVOICE] }, platform: 'local' })).state;
      expect(r.steps.map((s) => s.id)).toEqual(['dept-lead', 'finance']);
    });
  });
});
