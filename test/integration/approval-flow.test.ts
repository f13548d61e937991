// The first flow end to end through the simulator channel, on real Postgres and Redis:
// submit → card in the approvers' room → a bystander's click refused and recorded nowhere →
// approve → the card changes for everyone → the applicant is told.
import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog, decisions, outbox } from '../../src/store/schema.js';
import { simApp } from '../support/app.js';
import { EVENT_FORM } from '../support/sim-client.js';

const app = simApp();

const roomCards = async (as: string) => (await app.sim.history(as)).filter((m) => m.conversation === 'room:east-approvals' && m.kind === 'card');
type Btn = { action: { a: string; r: string; s: string } };
const buttons = (m: { card: unknown }) => (m.card as { buttons: Btn[] }).buttons;
const status = (m: { card: unknown }) => (m.card as { status: { text: string } }).status.text;

async function submitEvent(form = EVENT_FORM) {
  const before = (await roomCards('liming')).length;
  const r = await app.sim.act('liming', null, { a: 'submit', t: 'event' }, form);
  expect(r.body.status).toBe('accepted');
  await app.t.idle();
  const cards = await roomCards('liming');
  expect(cards.length).toBe(before + 1);
  return cards.at(-1)!;
}

describe('approval flow in the simulator', () => {
  it('submit → refuse a bystander → approve → everyone sees it approved → applicant told', async () => {
    const card = await submitEvent();
    expect(status(card)).toBe('审批中 · 部门负责人审批');
    const approve = buttons(card).find((b) => b.action.a === 'approve')!.action;
    const db = app.t.app.database.db;
    const audits = async () => (await db.select({ n: count() }).from(auditLog).where(eq(auditLog.requestId, approve.r)))[0]!.n;
    const auditBefore = await audits();

    const refused = await app.sim.act('hanmei', card.id, approve);
    expect(refused.body).toEqual({ status: 'refused', feedback: { text: '你不是该申请的审批人', tone: 'error' } });
    await app.t.idle();
    expect(await audits()).toBe(auditBefore);
    expect((await db.select().from(decisions).where(eq(decisions.requestId, approve.r))).length).toBe(0);

    const ok = await app.sim.act('liuyang', card.id, approve);
    expect(ok.body).toEqual({ status: 'accepted', feedback: { text: '已同意', tone: 'success' } });
    await app.t.idle();

    for (const viewer of ['zhouqiang', 'hanmei', 'liming']) {
      const same = (await roomCards(viewer)).find((m) => m.id === card.id)!;
      expect(status(same)).toBe('已通过');
      expect(buttons(same)).toEqual([]);
      expect(same.version).toBeGreaterThan(card.version);
    }
    const dm = (await app.sim.history('liming')).filter((m) => m.conversation === 'dm:liming').map((m) => m.text);
    expect(dm).toContain('已提交申请 A-0001，等待审批。');
    expect(dm.some((x) => x?.includes('已通过审批'))).toBe(true);
    // Finance is CC'd on completion.
    expect((await app.sim.history('wangfang')).some((m) => m.text?.startsWith('抄送：'))).toBe(true);
    // Decision, audit and outbox were written together.
    expect((await db.select().from(decisions).where(eq(decisions.requestId, approve.r))).length).toBe(1);
    // Every outbox row's deliveries finished (each job recorded in deliveries_done).
    expect((await db.select().from(outbox).where(eq(outbox.requestId, approve.r))).every((r) => r.status === 'delivered')).toBe(true);
    const detail = await app.sim.request(approve.r);
    expect(detail.timeline.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['submitted', 'step_opened', 'approved_step', 'approved']),
    );
  });

  it('reject needs a reason, and the applicant gets it', async () => {
    const card = await submitEvent({ ...EVENT_FORM, name: '春季试驾日' });
    const reject = buttons(card).find((b) => b.action.a === 'reject')!.action;
    const noReason = await app.sim.act('liuyang', card.id, reject);
    expect(noReason.body).toMatchObject({ status: 'refused', feedback: { text: '请填写理由' } });
    const r = await app.sim.act('liuyang', card.id, reject, { reason: '与车展时间冲突' });
    expect(r.body.status).toBe('accepted');
    await app.t.idle();
    const updated = (await roomCards('liuyang')).find((m) => m.id === card.id)!;
    expect(status(updated)).toBe('已驳回');
    const dm = (await app.sim.history('liming')).filter((m) => m.conversation === 'dm:liming').map((m) => m.text ?? '');
    expect(dm.some((x) => x.includes('被刘洋驳回：与车展时间冲突'))).toBe(true);
  });

  it('a double tap (same click id) and a platform retry record one decision', async () => {
    const card = await submitEvent({ ...EVENT_FORM, name: '车主讲堂' });
    const approve = buttons(card).find((b) => b.action.a === 'approve')!.action;
    const results = await Promise.all(Array.from({ length: 5 }, () => app.sim.act('liuyang', card.id, approve, undefined, 'same-click-0001')));
    expect(results.filter((r) => r.body.status === 'accepted')).toHaveLength(1);
    expect(results.filter((r) => r.body.status === 'duplicate')).toHaveLength(4);
    await app.t.idle();
    const rows = await app.t.app.database.db.select().from(decisions).where(eq(decisions.requestId, approve.r));
    expect(rows).toHaveLength(1);
  });

  it('refuses a bad form with the fields named, and records nothing', async () => {
    const before = (await app.sim.history('liming')).length;
    const r = await app.sim.act('liming', null, { a: 'submit', t: 'event' }, { ...EVENT_FORM, headcount: '很多', budget: '' });
    // Judged before the answer: 422 with each field's error, for the form to show beside its field.
    expect(r.status).toBe(422);
    expect(r.body.status).toBe('refused');
    expect(Object.keys(r.body.fields as object).sort()).toEqual(['budget', 'headcount']);
    const feedback = r.body.feedback as { text: string; tone: string };
    expect(feedback.tone).toBe('error');
    expect(feedback.text).toMatch(/^表单有误：/);
    expect(feedback.text).toContain('费用预算');
    await app.t.idle();
    expect((await app.sim.history('liming')).length).toBe(before);
  });

  it('validates simulator input: unknown person, malformed action, a card the person cannot see', async () => {
    expect((await app.sim.act('ghost', null, { a: 'submit' })).status).toBe(404);
    expect((await app.sim.act('liming', null, 'not-json{')).status).toBe(400);
    const card = (await roomCards('liming'))[0]!;
    expect((await app.sim.act('wangfang', card.id, buttons(card)[0]?.action ?? { a: 'approve' })).status).toBe(403);
    const health = await fetch(`${app.t.url}/readyz`);
    expect(health.status).toBe(200);
  });
});
