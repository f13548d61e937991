// Empty-approver policy (审批人为空时), same-approver policy (审批人去重) and the org doctor, on a
// small organisation whose sales department has no lead.
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { approvalCard } from '../../cards/approval.js';
import { act, submit } from '../../src/core/lifecycle.js';
import type { RequestState, Transition, TransitionOk } from '../../src/core/model.js';
import { doctorNotes, orgDoctor } from '../../src/core/org-doctor.js';
import { cardContext } from '../../src/delivery/deliver.js';
import { Directory } from '../../src/org/directory.js';
import { directoryFromText } from '../../src/org/load.js';
import { NOW } from '../support/core-fixtures.js';

const PEOPLE = [
  { id: 'boss', name: '老板', dept: 'hq' },
  { id: 'carol', name: '卡罗', dept: 'hq' },
  { id: 'fay', name: '菲', dept: 'hq' },
  { id: 'gus', name: '古斯', dept: 'hq' },
  { id: 'ann', name: '安', dept: 'sales' },
  { id: 'bob', name: '鲍勃', dept: 'sales' },
];

interface OrgOptions {
  steps?: unknown[];
  workflow?: Record<string, unknown>;
  organisation?: Record<string, unknown>;
  roles?: Record<string, string[]>;
}

/** content_review approved by `steps`; sales (ann, bob) has no lead, hq is led by boss. */
function org(o: OrgOptions = {}): Directory {
  return directoryFromText(
    stringify({
      organisation: { name: '测试公司', contact: '行政部', ...o.organisation },
      roles: o.roles ?? { admin: ['carol'], finance: ['fay'] },
      departments: [
        { id: 'hq', name: '总部', lead: 'boss' },
        { id: 'sales', name: '销售部', parent: 'hq' },
      ],
      people: PEOPLE,
      workflows: [
        {
          requestType: 'content_review',
          steps: o.steps ?? [
            { id: 'lead', name: '部门负责人', approvers: ['dept_lead'] },
            { id: 'fin', name: '财务', approvers: ['role:finance'] },
          ],
          ...o.workflow,
        },
      ],
    }),
  );
}

const ctx = (dir: Directory) => ({ dir, wf: dir.workflowFor('content_review')!, now: NOW });
let n = 0;
const submitAs = (dir: Directory, applicantId = 'ann'): Transition =>
  submit(ctx(dir), { id: `00000000-0000-4000-a000-${String(++n).padStart(12, '0')}`, number: `C-${n}`, type: 'content_review', title: '稿件', applicantId, payload: { title: '稿件' } }, 'local');
const accepted = (t: Transition): TransitionOk => {
  if (!t.ok) throw new Error(`refused: ${JSON.stringify(t)}`);
  return t;
};
const approve = (dir: Directory, s: RequestState, who: string) => accepted(act(s, { type: 'approve', stepId: s.steps[s.current!]!.id }, { personId: who, platform: 'local' }, ctx(dir)));
const cardText = (dir: Directory, s: RequestState) => approvalCard(s, cardContext(dir, 'zh-CN')).markdown ?? '';
const withPolicy = (whenEmpty: unknown) =>
  org({ steps: [{ id: 'lead', name: '部门负责人', approvers: ['dept_lead'], whenEmpty }, { id: 'fin', name: '财务', approvers: ['role:finance'] }] });

describe('empty-approver policy', () => {
  it('auto_approve: the step approves itself, audited as the system, shown on the card; the chain goes on', () => {
    const dir = withPolicy('auto_approve');
    const t = accepted(submitAs(dir));
    expect(t.state.steps.map((s) => [s.id, s.status, s.note])).toEqual([
      ['lead', 'approved', 'no_approver'],
      ['fin', 'active', undefined],
    ]);
    expect(t.audit).toContainEqual({ action: 'step_auto_approved', actorId: null, platform: 'system', stepId: 'lead', detail: { name: '部门负责人', reason: 'no_approver', refs: ['dept_lead'] } });
    expect(cardText(dir, t.state)).toContain('部门负责人：—（自动通过：审批人为空）');
    // Nobody is asked for the empty step; finance gets the card.
    expect(t.effects.filter((e) => e.kind === 'post_approval_card')).toEqual([{ kind: 'post_approval_card', stepId: 'fin', people: ['fay'], rooms: [] }]);
  });

  it('reject: the request is rejected at that step on submission, and the applicant is told why', () => {
    const dir = withPolicy('reject');
    const t = accepted(submitAs(dir));
    expect(t.state.status).toBe('rejected');
    expect(t.state.current).toBeNull();
    expect(t.state.steps.map((s) => [s.id, s.status])).toEqual([
      ['lead', 'rejected'],
      ['fin', 'cancelled'],
    ]);
    expect(t.audit).toContainEqual(expect.objectContaining({ action: 'rejected', platform: 'system', stepId: 'lead', detail: { name: '部门负责人', reason: 'no_approver', auto: true } }));
    expect(t.effects).toContainEqual({ kind: 'notify', people: ['ann'], message: { key: 'request.rejected_no_approver', params: { number: t.state.number, title: '稿件', step: '部门负责人', missing: '销售部未设置负责人', contact: '行政部' } } });
    expect(t.effects.some((e) => e.kind === 'post_approval_card')).toBe(false);
    expect(cardText(dir, t.state)).toContain('（自动驳回：审批人为空）');
  });

  it('refuse: nothing to store, a refusal naming the step', () => {
    const t = submitAs(withPolicy('refuse'));
    expect(t).toEqual({ ok: false, code: 'no_approver', message: { key: 'refuse.no_approver_named', params: { step: '部门负责人', contact: '行政部', missing: '销售部未设置负责人' } } });
  });

  it('assign: the fallback approvers take the step, audited; assign to nobody refuses', () => {
    const dir = withPolicy({ assign: ['role:admin'] });
    const t = accepted(submitAs(dir));
    expect(t.state.steps[0]).toMatchObject({ id: 'lead', status: 'active', approvers: ['carol'], note: 'no_approver_assigned' });
    expect(t.audit).toContainEqual(expect.objectContaining({ action: 'approver_assigned', platform: 'system', detail: expect.objectContaining({ reason: 'no_approver', approvers: ['carol'] }) }));
    expect(t.effects).toContainEqual({ kind: 'post_approval_card', stepId: 'lead', people: ['carol'], rooms: [] });
    expect(cardText(dir, t.state)).toContain('部门负责人：卡罗（审批人为空，已转交备用审批人）');

    // The fallback resolves to nobody too (sales has no lead): refused.
    const still = submitAs(withPolicy({ assign: ['dept_lead'] }));
    expect(still).toMatchObject({ ok: false, code: 'no_approver', message: { key: 'refuse.no_approver_assign_named', params: { step: '部门负责人', missing: '销售部未设置负责人', fallback: '销售部未设置负责人' } } });
  });

  it('defaults: nothing configured assigns to role admin, and refuses without one; workflow and organisation defaults apply in order', () => {
    expect(accepted(submitAs(org())).state.steps[0]!.approvers).toEqual(['carol']);
    expect(submitAs(org({ roles: { finance: ['fay'] } }))).toMatchObject({ ok: false, code: 'no_approver' });
    const orgWide = org({ organisation: { whenEmpty: 'auto_approve' } });
    expect(accepted(submitAs(orgWide)).state.steps[0]).toMatchObject({ status: 'approved', note: 'no_approver' });
    const wfOverOrg = org({ organisation: { whenEmpty: 'auto_approve' }, workflow: { whenEmpty: 'refuse' } });
    expect(submitAs(wfOverOrg)).toMatchObject({ ok: false, code: 'no_approver' });
    const stepOverWf = org({
      workflow: { whenEmpty: 'refuse' },
      steps: [{ id: 'lead', name: '部门负责人', approvers: ['dept_lead'], whenEmpty: 'auto_approve' }, { id: 'fin', name: '财务', approvers: ['role:finance'] }],
    });
    expect(accepted(submitAs(stepOverWf)).state.steps[0]!.status).toBe('approved');
  });

  it('a self-approval is not an empty step: the head of the organisation asking for their own lead is skipped', () => {
    const dir = org({ workflow: { whenEmpty: 'refuse' } });
    const t = accepted(submitAs(dir, 'boss'));
    expect(t.state.steps[0]).toMatchObject({ id: 'lead', status: 'skipped', note: 'self' });
    expect(t.state.steps[1]!.status).toBe('active');
    // Without skipSelfApproval the same step is empty, and the policy decides.
    expect(submitAs(org({ workflow: { whenEmpty: 'refuse', skipSelfApproval: false } }), 'boss')).toMatchObject({ ok: false, code: 'no_approver' });
  });

  it('someone no longer in the directory counts as nobody', () => {
    const dir = withPolicy('auto_approve');
    const gone = new Directory({ ...dir.org, people: dir.org.people.filter((p) => p.id !== 'fay') });
    const t = accepted(submitAs(gone));
    // Finance's only member left: the step falls to the default policy (role admin).
    expect(t.state.steps.map((s) => [s.id, s.status, s.approvers])).toEqual([
      ['lead', 'approved', []],
      ['fin', 'active', ['carol']],
    ]);
  });

  it('a step found empty when it opens follows its policy too (a stored request is rejected instead of refused)', () => {
    const steps = [
      { id: 'fin', name: '财务', approvers: ['role:finance'] },
      { id: 'last', name: '终审', approvers: ['person:gus'] },
    ];
    for (const [whenEmpty, status] of [
      ['auto_approve', 'approved'],
      ['refuse', 'rejected'],
    ] as const) {
      const dir = org({ steps, workflow: { whenEmpty } });
      const s = accepted(submitAs(dir)).state;
      // gus leaves after the chain was planned (e.g. a handover found nobody).
      s.steps[1]!.approvers = [];
      const t = approve(dir, s, 'fay');
      expect(t.state.status).toBe(status);
      expect(t.state.steps[1]!.note).toBe('no_approver');
    }
  });

  it('a resubmission that would have an empty step under refuse is refused and stays returned', () => {
    const dir = org({ steps: [{ id: 'fin', name: '财务', approvers: ['role:finance'] }, { id: 'last', name: '终审', approvers: ['person:gus'], whenEmpty: 'refuse' }] });
    const s = accepted(submitAs(dir)).state;
    const returned = accepted(act(s, { type: 'return', stepId: 'fin', reason: '改' }, { personId: 'fay', platform: 'local' }, ctx(dir))).state;
    const gone = new Directory({ ...dir.org, people: dir.org.people.filter((p) => p.id !== 'gus') });
    const r = act(returned, { type: 'resubmit', payload: { title: '稿件2' } }, { personId: 'ann', platform: 'local' }, ctx(gone));
    expect(r).toMatchObject({ ok: false, code: 'no_approver', message: { params: { step: '终审' } } });
  });
});

describe('same approver repeated (审批人去重)', () => {
  const chain = (sameApprover: string, steps: unknown[]) => org({ steps, workflow: { sameApprover } });
  const ACA = [
    { id: 's1', name: '一审', approvers: ['person:carol'] },
    { id: 's2', name: '二审', approvers: ['person:fay'] },
    { id: 's3', name: '三审', approvers: ['person:carol'] },
  ];

  it('any_earlier: a step whose approver approved any earlier step approves itself, silently, and the card says so', () => {
    const dir = chain('any_earlier', ACA);
    let s = accepted(submitAs(dir)).state;
    s = approve(dir, s, 'carol').state;
    const t = approve(dir, s, 'fay');
    expect(t.state.status).toBe('approved');
    expect(t.state.steps[2]).toMatchObject({ status: 'approved', note: 'same_approver', decisions: [] });
    expect(t.audit).toContainEqual({ action: 'step_auto_approved', actorId: null, platform: 'system', stepId: 's3', detail: { name: '三审', reason: 'same_approver', approvedBy: ['carol'] } });
    // No card and no notice to carol for the step she did not have to decide.
    expect(t.effects.some((e) => e.kind === 'post_approval_card')).toBe(false);
    expect(t.effects.filter((e) => e.kind === 'notify').flatMap((e) => (e.kind === 'notify' ? e.people : []))).not.toContain('carol');
    expect(cardText(dir, t.state)).toContain('三审：卡罗（自动通过：审批人已在前序步骤同意）');
  });

  it('previous: only the step just before counts (steps that approved themselves are passed over)', () => {
    const dir = chain('previous', ACA);
    let s = accepted(submitAs(dir)).state;
    s = approve(dir, s, 'carol').state;
    s = approve(dir, s, 'fay').state;
    expect(s.steps[2]).toMatchObject({ status: 'active' });

    const cc = chain('previous', [
      { id: 's1', name: '一审', approvers: ['person:carol'] },
      { id: 's2', name: '二审', approvers: ['person:carol'] },
      { id: 's3', name: '三审', approvers: ['person:carol', 'person:fay'] },
    ]);
    const t = approve(cc, accepted(submitAs(cc)).state, 'carol');
    expect(t.state.steps.map((x) => x.note)).toEqual([undefined, 'same_approver', 'same_approver']);
    expect(t.state.status).toBe('approved');
  });

  it("'all' mode: a countersign step approves itself only when every approver approved earlier", () => {
    const partial = chain('any_earlier', [
      { id: 's1', name: '一审', approvers: ['person:carol'] },
      { id: 's2', name: '会签', approvers: ['person:carol', 'person:fay'], mode: 'all' },
    ]);
    const p = approve(partial, accepted(submitAs(partial)).state, 'carol');
    expect(p.state.steps[1]).toMatchObject({ status: 'active', approvers: ['carol', 'fay'] });

    const full = chain('any_earlier', [
      { id: 's1', name: '会签一', approvers: ['person:carol', 'person:fay'], mode: 'all' },
      { id: 's2', name: '会签二', approvers: ['person:fay', 'person:carol'], mode: 'all' },
    ]);
    let s = accepted(submitAs(full)).state;
    s = approve(full, s, 'carol').state;
    const t = approve(full, s, 'fay');
    expect(t.state.steps[1]).toMatchObject({ status: 'approved', note: 'same_approver' });
    expect(t.state.status).toBe('approved');
  });

  it("none (the default), and a new round: earlier rounds' approvals do not count", () => {
    const off = org({ steps: ACA });
    let s = approve(off, approve(off, accepted(submitAs(off)).state, 'carol').state, 'fay').state;
    expect(s.steps[2]!.status).toBe('active');

    const dir = chain('any_earlier', ACA);
    s = approve(dir, accepted(submitAs(dir)).state, 'carol').state;
    s = accepted(act(s, { type: 'return', stepId: 's2', reason: '改' }, { personId: 'fay', platform: 'local' }, ctx(dir))).state;
    s = accepted(act(s, { type: 'resubmit', payload: { title: '稿件2' } }, { personId: 'ann', platform: 'local' }, ctx(dir))).state;
    expect(s.round).toBe(2);
    expect(s.steps[0]).toMatchObject({ id: 's1', status: 'active' });
  });
});

describe('org doctor', () => {
  it('lists empty steps per department with the outcome, departments without lead, empty roles and unknown people', () => {
    const dir = org({
      steps: [
        { id: 'lead', name: '部门负责人', approvers: ['dept_lead'] },
        { id: 'up', name: '上级', approvers: ['parent_dept_lead'], whenEmpty: 'auto_approve' },
        { id: 'fin', name: '财务', approvers: ['role:finance'] },
      ],
    });
    const r = orgDoctor(dir);
    expect(r.emptySteps.map((f) => [f.stepId, f.dept, f.outcome, f.assignedTo])).toEqual([
      ['lead', 'sales', 'assigned', ['carol']],
      // An ordinary member of hq has no parent department lead.
      ['up', 'hq', 'auto_approve', undefined],
    ]);
    expect(r.deptsWithoutLead).toEqual(['sales']);
    expect(r.emptyRoles).toEqual([]);
    expect(r.unknownPeople).toEqual([]);
    expect(r.total).toBe(3);

    // Fay leaves: finance has no member left, and the role names someone unknown.
    const gone = new Directory({ ...dir.org, people: dir.org.people.filter((p) => p.id !== 'fay') });
    const g = orgDoctor(gone);
    expect(g.emptyRoles).toEqual(['finance']);
    expect(g.unknownPeople).toEqual([{ person: 'fay', where: 'roles.finance' }]);
    expect(g.emptySteps.filter((f) => f.stepId === 'fin').map((f) => f.dept)).toEqual(['hq', 'sales']);

    const notes = doctorNotes(g, gone);
    expect(notes.map((x) => x.key)).toEqual(['health.empty_steps', 'health.roles_empty', 'health.unknown_people', 'health.depts_without_lead']);
    expect(notes[0]!.params).toMatchObject({ n: 4 });
    expect(String(notes[0]!.params.examples)).toContain('「财务」在 总部（转交 卡罗）');
  });

  it('a complete organisation has nothing to say', () => {
    const dir = org({ steps: [{ id: 'fin', name: '财务', approvers: ['role:finance'] }] });
    expect(orgDoctor(dir)).toMatchObject({ emptySteps: [], total: 1 }); // sales still has no lead
    expect(doctorNotes(orgDoctor(dir), dir).map((x) => x.key)).toEqual(['health.depts_without_lead']);
  });
});
