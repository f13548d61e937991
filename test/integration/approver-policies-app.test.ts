// Empty approvers through the real app (simulator channel, real Postgres and Redis): the example
// organisation without a lead for 华东分公司, so 李明's parent department lead is nobody. An event's
// branch step approves itself (card and audit say so); a content review refuses the submission
// in the dialog, on the card form and on the API alike, and stores nothing; the org doctor lists both.
import { readFileSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Card } from '../../cards/model.js';
import { EXAMPLE_ORG_FILE, directoryFromText } from '../../src/org/load.js';
import { auditLog, requests } from '../../src/store/schema.js';
import type { SimMessage } from '../../src/simulator/chat.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM, simClient } from '../support/sim-client.js';

const TOKEN = 'test-admin-token-0123456789';

function organisation() {
  const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as { departments: Array<Record<string, unknown>>; workflows: Array<Record<string, unknown>> };
  delete org.departments.find((d) => d.id === 'east-branch')!.lead;
  org.workflows = [
    {
      requestType: 'event',
      rooms: ['east-approvals'],
      steps: [
        { id: 'branch', name: '分公司审批', approvers: ['parent_dept_lead'], whenEmpty: 'auto_approve' },
        { id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'] },
      ],
    },
    { requestType: 'content_review', steps: [{ id: 'leader', name: '分管领导审核', approvers: ['parent_dept_lead'], whenEmpty: 'refuse' }] },
  ];
  return directoryFromText(stringify(org));
}

let t: TestApp;
let sim: ReturnType<typeof simClient>;
beforeAll(async () => {
  t = await startTestApp({ ADMIN_TOKEN: TOKEN }, { dir: organisation() });
  sim = simClient(t.url);
});
afterAll(() => t?.close());

const api = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${t.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
const dmTexts = async (as: string) => (await sim.history(as)).filter((m: SimMessage) => m.conversation === `dm:${as}` && m.kind === 'text').map((m) => m.text ?? '');
// Names the step and who is missing: 华东分公司 (李明's parent department) has no lead.
const REFUSAL = '无法提交：步骤「分管领导审核」找不到审批人（华东分公司未设置负责人），按规则不能提交。请联系行政部 王芳（分机 8021）补充组织架构后再提交。';

describe('empty approvers in the running app', () => {
  it('auto_approve: the card shows the step approved for want of an approver, the audit says the system did it', async () => {
    const r = await sim.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
    expect(r.body.status).toBe('accepted');
    await t.idle();
    const card = (await sim.history('liuyang')).filter((m) => m.conversation === 'room:east-approvals' && m.kind === 'card').at(-1)!;
    const body = card.card as unknown as Card;
    expect(body.status?.text).toBe('审批中 · 部门负责人审批');
    expect(body.markdown!.split('\n')[0]).toBe('✓ 分公司审批：—（自动通过：审批人为空）');
    const id = (body.buttons[0]!.action as { r: string }).r;
    const audit = await t.app.database.db.select().from(auditLog).where(eq(auditLog.requestId, id));
    expect(audit.find((a) => a.action === 'step_auto_approved')).toMatchObject({ stepId: 'branch', actorId: null, platform: 'system', detail: { reason: 'no_approver', refs: ['parent_dept_lead'] } });
    expect(audit.find((a) => a.action === 'step_opened')).toMatchObject({ stepId: 'dept-lead' });
  });

  it('refuse: the API, the card form and the dialog each refuse with the step named, and nothing is stored', async () => {
    const viaApi = await api('POST', '/api/requests', { applicantId: 'liming', type: 'content_review', payload: { title: '推文', channel: '公众号', content: '正文' } });
    expect(viaApi).toEqual({ status: 422, body: { error: REFUSAL, code: 'no_approver' } });

    const viaCard = await sim.act('liming', null, { a: 'submit', t: 'content_review' }, { title: '推文', channel: '公众号', content: '正文' });
    expect(viaCard.status).toBe(422);
    expect(viaCard.body.feedback).toEqual({ text: REFUSAL, tone: 'error' });

    for (const text of ['内容审核', '双十二推文', '公众号', '正文', '跳过']) {
      await sim.say('liming', 'dm:liming', text);
      await t.idle();
    }
    const before = (await dmTexts('liming')).length;
    await sim.say('liming', 'dm:liming', '确认');
    await t.idle();
    // The dialog's answer to 确认 is the refusal.
    expect((await dmTexts('liming')).slice(before).join('\n')).toContain(REFUSAL);

    const stored = await t.app.database.db.select().from(requests).where(eq(requests.type, 'content_review'));
    expect(stored).toEqual([]);
  });

  it('the org doctor lists the empty steps with what their policy does, and the department without a lead', async () => {
    const r = await api('GET', '/api/admin/org/doctor');
    expect(r.status).toBe(200);
    const steps = (r.body.emptySteps as Array<{ requestType: string; stepId: string; dept: string; outcome: string }>).map((f) => `${f.requestType}.${f.stepId}@${f.dept}:${f.outcome}`);
    expect(steps).toEqual(expect.arrayContaining(['event.branch@east-marketing:auto_approve', 'content_review.leader@east-marketing:refuse', 'content_review.leader@hq:refuse']));
    expect(r.body.deptsWithoutLead).toEqual(['east-branch']);
    expect((await fetch(`${t.url}/api/admin/org/doctor`)).status).toBe(401);
  });
});
