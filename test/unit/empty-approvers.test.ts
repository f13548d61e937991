// Empty approvers (审批人为空, `whenEmpty`) on the two steps a workflow adds by itself: the
// pre-consultation of an irregular event (先沟通再申报) and the over-budget step of a
// reimbursement (超预算审批). Each policy applies there as on declared steps, and a refusal names
// the step and who is missing (the role without members, the department without a lead).
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { submit } from '../../src/core/lifecycle.js';
import { t } from '../../src/core/messages.js';
import type { Transition, TransitionOk } from '../../src/core/model.js';
import type { Payload } from '../../src/core/request-types.js';
import { Directory } from '../../src/org/directory.js';
import { EXAMPLE_ORG_FILE, directoryFromText } from '../../src/org/load.js';
import { eventPayload, NOW } from '../support/core-fixtures.js';

type Policy = unknown;
/**
 * The example organisation; the pre-consultation asks role pr_team and the over-budget step role
 * audit, whose only member (韩梅) has left the directory: both resolve to nobody.
 */
function org(o: { consult?: Policy; overBudget?: Policy; workflow?: Policy; roles?: Record<string, string[]>; noLead?: string } = {}) {
  const file = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as { roles: Record<string, string[]>; departments: Array<Record<string, unknown>>; workflows: Array<Record<string, unknown>> };
  Object.assign(file.roles, { pr_team: ['hanmei'], audit: ['hanmei'] }, o.roles ?? {});
  if (o.noLead) delete file.departments.find((d) => d.id === o.noLead)!.lead;
  file.workflows = [
    {
      requestType: 'event',
      preConsult: { approvers: ['role:pr_team'], when: [{ fact: 'category', eq: 'irregular' }], ...(o.consult !== undefined ? { whenEmpty: o.consult } : {}) },
      steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'] }],
      ...(o.workflow !== undefined ? { whenEmpty: o.workflow } : {}),
    },
    {
      requestType: 'reimbursement',
      overBudget: { tolerancePercent: 5, approvers: ['role:audit'], ...(o.overBudget !== undefined ? { whenEmpty: o.overBudget } : {}) },
      steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'] }],
    },
  ];
  const dir = directoryFromText(stringify(file));
  return new Directory({ ...dir.org, people: dir.org.people.filter((p) => p.id !== 'hanmei') });
}

let n = 0;
type Dir = ReturnType<typeof org>;
const irregular = (dir: Dir, applicantId = 'liming'): Transition =>
  submit({ dir, wf: dir.workflowFor('event')!, now: NOW }, { id: `00000000-0000-4000-a000-${String(++n).padStart(12, '0')}`, number: `A-${n}`, type: 'event', title: '车友节', applicantId, payload: eventPayload({ category: 'irregular' }) as Payload }, 'local');
const regular = (dir: Dir): Transition =>
  submit({ dir, wf: dir.workflowFor('event')!, now: NOW }, { id: `00000000-0000-4000-a000-${String(++n).padStart(12, '0')}`, number: `A-${n}`, type: 'event', title: '答谢会', applicantId: 'liming', payload: eventPayload() }, 'local');
/** A reimbursement `percent` over the approved 20,000 (the facts its event gives). */
const reimburse = (dir: Dir, percent: number): Transition =>
  submit(
    { dir, wf: dir.workflowFor('reimbursement')!, now: NOW },
    { id: `00000000-0000-4000-a000-${String(++n).padStart(12, '0')}`, number: `B-${n}`, type: 'reimbursement', title: '报销', applicantId: 'liming', payload: {} },
    'local',
    { approvedBudget: 20000, spent: 20000 * (1 + percent / 100), overBudgetPercent: percent },
  );
const accepted = (x: Transition): TransitionOk => {
  if (!x.ok) throw new Error(`refused: ${JSON.stringify(x)}`);
  return x;
};
const text = (x: Transition) => (x.ok ? '' : t('zh-CN', x.message.key, x.message.params));
const CONTACT = '行政部 王芳（分机 8021）';

describe('pre-consultation (先沟通再申报) with nobody to consult', () => {
  it('refuse: refused before anything is stored, naming the step and the role without members', () => {
    const r = irregular(org({ consult: 'refuse' }));
    expect(r).toMatchObject({ ok: false, code: 'no_approver', message: { key: 'refuse.no_approver_named', params: { step: '先沟通再申报', missing: '角色「pr_team」没有成员' } } });
    expect(text(r)).toBe(`无法提交：步骤「先沟通再申报」找不到审批人（角色「pr_team」没有成员），按规则不能提交。请联系${CONTACT}补充组织架构后再提交。`);
    // A regular event has no pre-consultation: nothing to refuse.
    expect(accepted(regular(org({ consult: 'refuse' }))).state.steps.map((s) => s.id)).toEqual(['dept-lead']);
  });

  it('auto_approve, reject and assign apply to it as to a declared step', () => {
    const auto = accepted(irregular(org({ consult: 'auto_approve' })));
    expect(auto.state.steps.map((s) => [s.id, s.status, s.note])).toEqual([
      ['consult', 'approved', 'no_approver'],
      ['dept-lead', 'active', undefined],
    ]);
    expect(auto.audit).toContainEqual(expect.objectContaining({ action: 'step_auto_approved', stepId: 'consult', detail: expect.objectContaining({ reason: 'no_approver', refs: ['role:pr_team'] }) }));
    const rejected = accepted(irregular(org({ consult: 'reject' })));
    expect(rejected.state).toMatchObject({ status: 'rejected' });
    expect(rejected.effects).toContainEqual(expect.objectContaining({ kind: 'notify', people: ['liming'], message: expect.objectContaining({ key: 'request.rejected_no_approver', params: expect.objectContaining({ step: '先沟通再申报', missing: expect.stringContaining('pr_team') }) }) }));
    const assigned = accepted(irregular(org({ consult: { assign: ['person:zhaolei'] } })));
    expect(assigned.state.steps[0]).toMatchObject({ id: 'consult', status: 'active', approvers: ['zhaolei'], note: 'no_approver_assigned' });
  });

  it('the default: role admin takes it; when the admins left too, refused naming the empty fallback as well', () => {
    expect(accepted(irregular(org())).state.steps[0]).toMatchObject({ id: 'consult', status: 'active', approvers: ['wangfang'], note: 'no_approver_assigned' });
    const r = irregular(org({ roles: { admin: ['hanmei'] } }));
    expect(r).toMatchObject({ ok: false, message: { key: 'refuse.no_approver_assign_named', params: { step: '先沟通再申报', missing: '角色「pr_team」没有成员', fallback: '角色「admin」没有成员' } } });
    expect(text(r)).toBe(`无法提交：步骤「先沟通再申报」找不到审批人（角色「pr_team」没有成员），备用审批人（角色「admin」没有成员）也为空。请联系${CONTACT}补充组织架构后再提交。`);
  });
});

describe('over-budget step (超预算审批) with nobody to ask', () => {
  it('refuse: refused naming the over-budget step and its role; within the tolerance there is no such step', () => {
    const r = reimburse(org({ overBudget: 'refuse' }), 20);
    expect(r).toMatchObject({ ok: false, code: 'no_approver', message: { key: 'refuse.no_approver_named', params: { step: '超预算审批（预算 ¥20,000，实报 ¥24,000，超 20%）', missing: '角色「audit」没有成员' } } });
    expect(text(r)).toBe(`无法提交：步骤「超预算审批（预算 ¥20,000，实报 ¥24,000，超 20%）」找不到审批人（角色「audit」没有成员），按规则不能提交。请联系${CONTACT}补充组织架构后再提交。`);
    expect(accepted(reimburse(org({ overBudget: 'refuse' }), 3)).state.steps.map((s) => s.id)).toEqual(['dept-lead']);
  });

  it('auto_approve and reject; the workflow\'s policy applies when the step has none', () => {
    const auto = accepted(reimburse(org({ overBudget: 'auto_approve' }), 20));
    expect(auto.state.steps.find((s) => s.id === 'over-budget')).toMatchObject({ status: 'approved', note: 'no_approver' });
    expect(auto.state.steps.find((s) => s.id === 'dept-lead')).toMatchObject({ status: 'active' });
    expect(accepted(reimburse(org({ overBudget: 'reject' }), 20)).state.status).toBe('rejected');
    expect(reimburse(org({ workflow: 'refuse' }), 20)).toMatchObject({ ok: true });
    expect(reimburse(org({ overBudget: { assign: ['role:audit'] } }), 20)).toMatchObject({ ok: false, message: { key: 'refuse.no_approver_assign_named', params: { fallback: '角色「audit」没有成员' } } });
  });
});

describe('who is missing, named', () => {
  it('a department without a lead, a parent department without one, a person not in the directory', () => {
    const dir = org({ noLead: 'east-marketing', workflow: 'refuse' });
    const wf = (approvers: string[]) => ({ ...dir.workflowFor('event')!, preConsult: undefined, whenEmpty: 'refuse' as const, steps: [{ ...dir.workflowFor('event')!.steps[0]!, approvers }] });
    const go = (approvers: string[]) => submit({ dir, wf: wf(approvers), now: NOW }, { id: `00000000-0000-4000-a000-${String(++n).padStart(12, '0')}`, number: `A-${n}`, type: 'event', title: 'x', applicantId: 'liming', payload: eventPayload() }, 'local');
    expect(go(['dept_lead'])).toMatchObject({ ok: false, message: { params: { step: '部门负责人审批', missing: '华东分公司市场部未设置负责人' } } });
    expect(go(['person:hanmei', 'role:audit'])).toMatchObject({ ok: false, message: { params: { missing: 'hanmei不在通讯录中、角色「audit」没有成员' } } });
    const noBranchLead = org({ noLead: 'east-branch' });
    const up = { ...noBranchLead.workflowFor('event')!, preConsult: undefined, whenEmpty: 'refuse' as const, steps: [{ ...noBranchLead.workflowFor('event')!.steps[0]!, approvers: ['parent_dept_lead'] }] };
    const r = submit({ dir: noBranchLead, wf: up, now: NOW }, { id: `00000000-0000-4000-a000-${String(++n).padStart(12, '0')}`, number: `A-${n}`, type: 'event', title: 'x', applicantId: 'liming', payload: eventPayload() }, 'local');
    expect(r).toMatchObject({ ok: false, message: { params: { missing: '华东分公司未设置负责人' } } });
  });
});
