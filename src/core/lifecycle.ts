// The request state machine. Every function is pure: given a snapshot and an action it returns
// the next snapshot plus the effects (cards, notifications) and audit entries to persist in
// the same transaction, or a refusal that records nothing.
import type { Directory } from '../org/directory.js';
import type { Workflow } from '../org/schema.js';
import type {
  Action,
  ActorRef,
  AuditEntry,
  Effect,
  LifecycleTrigger,
  MessageIntent,
  Origin,
  RefusalCode,
  RequestState,
  StepDecision,
  StepState,
  Transition,
  TransitionOk,
  TransitionRefused,
} from './model.js';
import { msg, OPEN_STATUSES } from './model.js';

export type { LifecycleTrigger } from './model.js';
import type { MessageKey } from './messages.js';
import { orgText } from './org-text.js';
import type { Payload } from './request-types.js';
import { promptsAfter } from './event-lifecycle.js';
import { participates } from './followers.js';
import { decideEmpty, planChain, whenEmptyOf, type EmptyStep, type Facts } from './workflow.js';
import { missingApprovers } from './empty-approvers.js';
import { actingSlot, type ActiveDelegations } from './delegation.js';

export interface CoreContext {
  dir: Directory;
  wf: Workflow;
  now: Date;
  /** Deadline of a step opened now; absent when no calendar is wired (then steps have no due time). */
  dueAt?: (spec: string, from: Date) => Date;
  /** Delegations in force now (src/core/delegation.ts); absent: nobody acts for anybody. */
  delegations?: ActiveDelegations;
}

const refuse = (code: RefusalCode, key: MessageKey, params: MessageIntent['params'] = {}): TransitionRefused => ({
  ok: false,
  code,
  message: msg(key, params),
});

/** Collects a transition's effects, audit and decisions (used by handover.ts too). */
export class Builder {
  readonly effects: Effect[] = [];
  readonly audit: AuditEntry[] = [];
  readonly decisions: TransitionOk['decisions'] = [];
  constructor(
    readonly state: RequestState,
    readonly ctx: CoreContext,
    readonly actor: ActorRef | null,
  ) {}
  log(action: string, detail: Record<string, unknown> = {}, stepId?: string) {
    this.audit.push({ action, actorId: this.actor?.personId ?? null, platform: this.actor?.platform ?? null, detail, ...(stepId ? { stepId } : {}) });
  }
  /** An entry the system wrote on its own (a policy acted), whoever's action led to it. */
  logSystem(action: string, detail: Record<string, unknown>, stepId: string) {
    this.audit.push({ action, actorId: null, platform: 'system', detail, stepId });
  }
  done(feedback: MessageIntent): TransitionOk {
    const state = { ...this.state, version: this.state.version + 1, updatedAt: this.ctx.now.toISOString() };
    return { ok: true, state, effects: this.effects, audit: this.audit, decisions: this.decisions, feedback };
  }
}

export const clone = (s: RequestState): RequestState => ({
  ...s,
  payload: { ...s.payload },
  steps: s.steps.map((st) => ({ ...st, approvers: [...st.approvers], decisions: [...st.decisions] })),
});

/**
 * Open the next waiting step at or after `from`; when none is left the request is approved.
 * On the way, a step that has nobody to ask follows its empty-approver policy, and a step whose
 * approvers already approved earlier (the workflow's `sameApprover`) approves itself — silently:
 * no card, no notice.
 */
export function openNext(b: Builder, from: number): void {
  const s = b.state;
  const wf = b.ctx.wf;
  for (let i = from; i < s.steps.length; i++) {
    const step = s.steps[i]!;
    if (step.status !== 'waiting') continue;
    // The chain is planned at submission, so this is rare: a step emptied after planning.
    if (!step.approvers.length && !emptyAtActivation(b, step)) return;
    if (step.status !== 'waiting') continue;
    const carried = carriedApproval(s, i, wf.sameApprover);
    if (carried) {
      Object.assign(step, { status: 'approved', note: 'same_approver', activatedAt: b.ctx.now.toISOString() });
      b.logSystem('step_auto_approved', { name: step.name, reason: 'same_approver', approvedBy: carried }, step.id);
      continue;
    }
    step.status = 'active';
    step.activatedAt = b.ctx.now.toISOString();
    if (step.due && b.ctx.dueAt) step.dueAt = b.ctx.dueAt(step.due, b.ctx.now).toISOString();
    s.current = i;
    s.status = step.kind === 'consult' ? 'consulting' : 'pending';
    b.effects.push({ kind: 'step_opened', stepId: step.id, ...(step.dueAt ? { dueAt: step.dueAt } : {}) });
    b.effects.push({
      kind: 'post_approval_card',
      stepId: step.id,
      people: wf.directToApprovers ? [...step.approvers] : [],
      rooms: [...wf.rooms],
    });
    b.log('step_opened', { name: step.name, approvers: step.approvers, mode: step.mode, dueAt: step.dueAt ?? null }, step.id);
    return;
  }
  s.current = null;
  s.status = 'approved';
  b.log('approved');
  b.effects.push({ kind: 'notify', people: [s.applicantId], message: msg('request.approved', { number: s.number, title: s.title }) });
  if (wf.ccOn.includes('complete')) notifyCc(b, 'request.cc_complete');
}

/**
 * Who approved earlier in this round such that step `i` need not ask again (审批人去重), or
 * undefined. `previous` looks at the nearest earlier step someone decided (steps that approved
 * themselves or were skipped are passed over, so A, A, A collapses to one decision);
 * `any_earlier` at every earlier approval step. A consultation's acknowledgement is not an
 * approval. An or-sign step needs one of its approvers among them; a countersign step needs
 * all of them (a partial carry-over would record decisions nobody made, so then everyone signs).
 */
function carriedApproval(s: RequestState, i: number, mode: Workflow['sameApprover']): string[] | undefined {
  if (mode === 'none') return undefined;
  const approvedIn = (st: StepState) => st.decisions.filter((d) => d.decision === 'approve').map((d) => d.personId);
  let before: string[] = [];
  if (mode === 'any_earlier') {
    before = s.steps.slice(0, i).filter((st) => st.kind === 'approval' && st.status === 'approved').flatMap(approvedIn);
  } else {
    for (let j = i - 1; j >= 0; j--) {
      const st = s.steps[j]!;
      if (st.status === 'skipped' || (st.status === 'approved' && !st.decisions.length)) continue;
      if (st.kind === 'approval' && st.status === 'approved') before = approvedIn(st);
      break;
    }
  }
  const step = s.steps[i]!;
  const had = step.approvers.filter((p) => before.includes(p));
  const enough = step.mode === 'all' ? had.length === step.approvers.length : had.length > 0;
  return had.length && enough ? had : undefined;
}

/**
 * A step about to open has nobody to ask (emptied after planning). Its policy applies as at
 * planning, except that a stored request cannot be refused: `refuse`, and `assign` to nobody,
 * reject it. Returns whether to go on to the next step.
 */
function emptyAtActivation(b: Builder, step: StepState): boolean {
  const { dir, wf } = b.ctx;
  const s = b.state;
  const resolve = (refs: readonly string[]) => dir.resolveApprovers(refs, s.applicantId).filter((p) => !wf.skipSelfApproval || p !== s.applicantId);
  const e = decideEmpty(step, [], whenEmptyOf(dir.org, wf, step.id), resolve);
  logEmpty(b, e);
  if (e.outcome === 'auto_approve' || e.outcome === 'assigned') return true;
  rejectForNobody(b, step, e.refs);
  return false;
}

/** The audit entry of an empty step's policy (a rejection is logged by rejectForNobody). */
function logEmpty(b: Builder, e: EmptyStep): void {
  if (e.outcome === 'auto_approve') b.logSystem('step_auto_approved', { name: e.name, reason: 'no_approver', refs: e.refs }, e.stepId);
  else if (e.outcome === 'assigned') b.logSystem('approver_assigned', { name: e.name, reason: 'no_approver', refs: e.refs, policy: e.policy, approvers: e.approvers }, e.stepId);
}

/** The request is rejected at a step nobody can approve (policy `reject`); the applicant is told why and who is missing. */
function rejectForNobody(b: Builder, step: StepState, refs: readonly string[]): void {
  const s = b.state;
  Object.assign(step, { status: 'rejected', note: 'no_approver' });
  cancelOpenSteps(s);
  s.status = 'rejected';
  s.current = null;
  b.logSystem('rejected', { name: step.name, reason: 'no_approver', auto: true }, step.id);
  b.effects.push({ kind: 'notify', people: [s.applicantId], message: msg('request.rejected_no_approver', { number: s.number, title: s.title, step: step.name, missing: missingApprovers(b.ctx.dir, refs, s.applicantId), contact: b.ctx.dir.org.organisation.contact }) });
}

function notifyCc(b: Builder, key: MessageKey): void {
  const people = b.ctx.dir.resolveApprovers(b.ctx.wf.cc, b.state.applicantId).filter((p) => p !== b.state.applicantId);
  if (people.length) b.effects.push({ kind: 'notify', people, message: msg(key, { number: b.state.number, title: b.state.title, applicant: b.ctx.dir.personName(b.state.applicantId) }) });
}

export interface SubmitInput {
  id: string;
  number: string;
  type: string;
  title: string;
  applicantId: string;
  payload: Payload;
  urgent?: boolean;
  parentId?: string;
}

/**
 * A new request: plan the chain, open the first step (or approve straight away). Refused, with
 * nothing to store, when a step has nobody to ask and its policy says so.
 */
export function submit(ctx: CoreContext, input: SubmitInput, platform: Origin, extraFacts: Facts = {}): Transition {
  const applicant = ctx.dir.person(input.applicantId);
  const now = ctx.now.toISOString();
  const state: RequestState = {
    ...input,
    deptId: applicant?.dept ?? '',
    status: 'pending',
    round: 1,
    steps: [],
    current: null,
    version: 0,
    urgent: input.urgent ?? false,
    createdAt: now,
    updatedAt: now,
  };
  const b = new Builder(state, ctx, { personId: input.applicantId, platform });
  b.log('submitted', { type: input.type, title: input.title });
  const refused = planInto(b, extraFacts);
  if (refused) return refused;
  if (ctx.wf.ccOn.includes('submit')) notifyCc(b, 'request.cc_submit');
  return b.done(msg('request.submitted', { number: state.number }));
}

/**
 * Plan the chain and open its first step; a resubmission may restart at a later step. Returns
 * the refusal when an empty step's policy refuses the submission.
 */
function planInto(b: Builder, extraFacts: Facts = {}, restartAt?: string): TransitionRefused | undefined {
  const s = b.state;
  const plan = planChain(b.ctx.dir, b.ctx.wf, s.type, s.applicantId, s.payload, extraFacts, restartAt);
  if (plan.refused) {
    // Name who is missing (the department without a lead, the role without members…), and the fallback that is empty too.
    const { dir } = b.ctx;
    const r = plan.refused;
    const params = { step: r.name, contact: dir.org.organisation.contact, missing: missingApprovers(dir, r.refs, s.applicantId) };
    if (r.policy === 'refuse') return refuse('no_approver', 'refuse.no_approver_named', params);
    return refuse('no_approver', 'refuse.no_approver_assign_named', { ...params, fallback: r.policy === 'auto_approve' || r.policy === 'reject' ? '—' : missingApprovers(dir, r.policy.assign, s.applicantId) });
  }
  s.steps = plan.steps;
  if (plan.withinFramework) b.log('within_framework', { facts: plan.facts });
  if (plan.overBudget) b.log('over_budget', plan.overBudget);
  for (const st of plan.steps.filter((x) => x.status === 'skipped')) b.log('step_skipped', { name: st.name, reason: st.note }, st.id);
  for (const e of plan.empty) logEmpty(b, e);
  if (plan.fastTrack === 'auto-approve') {
    for (const st of s.steps) if (st.status === 'waiting') Object.assign(st, { status: 'skipped', note: 'fast_track' });
    b.log('fast_track', { action: 'auto-approve' });
  } else if (plan.fastTrack === 'skip-steps') b.log('fast_track', { action: 'skip-steps' });
  // Rejected on submission rather than when reached: nobody should approve a request that cannot pass.
  const doomed = plan.empty.find((e) => e.outcome === 'reject');
  if (doomed) return void rejectForNobody(b, s.steps.find((st) => st.id === doomed.stepId)!, doomed.refs);
  openNext(b, 0);
  return undefined;
}

const REASON_MAX = 500;

/**
 * A step action without a step (the integration API's `stepId` is optional) acts on the open
 * step the actor is an approver of; with none, the core refuses it as from a non-approver.
 */
function withStep(s: RequestState, action: Action, actor: ActorRef, delegations?: ActiveDelegations): Action {
  if (!('stepId' in action) || action.stepId) return action;
  const current = s.current === null ? undefined : s.steps[s.current];
  const mine = (st: StepState) => st.status === 'active' && !!actingSlot(st, actor.personId, s.applicantId, delegations);
  const open = s.steps.find(mine);
  const step = current && mine(current) ? current : open;
  return step ? { ...action, stepId: step.id } : action;
}

/** Apply an action by an actor. Authorisation and state checks come first; a refusal changes nothing. */
export function act(prev: RequestState, given: Action, actor: ActorRef, ctx: CoreContext): Transition {
  const action = withStep(prev, given, actor, ctx.delegations);
  const dir = ctx.dir;
  if (!dir.person(actor.personId)) return refuse('unknown_person', 'refuse.unknown_person');
  const s = clone(prev);
  const b = new Builder(s, ctx, actor);
  const isApplicant = actor.personId === s.applicantId;

  switch (action.type) {
    case 'withdraw': {
      if (!isApplicant) return refuse('not_applicant', 'refuse.not_applicant');
      if (!OPEN_STATUSES.has(s.status) && s.status !== 'returned') return withdrawRefused(s, dir);
      cancelOpenSteps(s);
      s.status = 'withdrawn';
      s.current = null;
      b.log('withdrawn', action.reason ? { reason: action.reason } : {});
      b.effects.push({ kind: 'refresh_cards' });
      return b.done(msg('feedback.withdrawn'));
    }
    case 'comment': {
      const text = action.text.trim();
      if (!text) return refuse('invalid', 'refuse.empty_comment');
      if (!participates(s, actor.personId)) return refuse('not_approver', 'refuse.not_involved');
      b.log('commented', { text: text.slice(0, 2000) });
      const others = new Set<string>([s.applicantId, ...(s.current !== null ? s.steps[s.current]!.approvers : [])]);
      others.delete(actor.personId);
      if (others.size) b.effects.push({ kind: 'notify', people: [...others], message: msg('request.commented', { number: s.number, who: dir.personName(actor.personId), text: text.slice(0, 200) }) });
      return b.done(msg('feedback.commented'));
    }
    case 'resubmit': {
      if (!isApplicant) return refuse('not_applicant', 'refuse.not_applicant');
      if (s.status !== 'returned') return refuse('wrong_state', 'refuse.wrong_state', { status: s.status });
      s.payload = action.payload;
      s.round += 1;
      b.log('resubmitted', { round: s.round });
      const refused = planInto(b, {}, ctx.wf.restartAt);
      if (refused) return refused;
      b.effects.push({ kind: 'refresh_cards' });
      return b.done(msg('request.submitted', { number: s.number }));
    }
    default:
      return stepAction(b, action, actor);
  }
}

function cancelOpenSteps(s: RequestState) {
  for (const st of s.steps) if (st.status === 'active' || st.status === 'waiting') st.status = 'cancelled';
}

function stepAction(b: Builder, action: Extract<Action, { stepId: string }>, actor: ActorRef): Transition {
  const s = b.state;
  const dir = b.ctx.dir;
  const idx = s.steps.findIndex((st) => st.id === action.stepId);
  const step = idx >= 0 ? s.steps[idx] : undefined;
  // Whose slot the actor fills: their own, or a principal's under a delegation (delegation.ts).
  const slot = step ? actingSlot(step, actor.personId, s.applicantId, b.ctx.delegations) : undefined;
  const me = slot?.ok ? slot.slot : actor.personId;
  // Authorisation before state: a bystander learns nothing about the request's progress.
  if (!step || (!slot && !step.decisions.some((d) => d.personId === actor.personId))) return refuse('not_approver', 'refuse.not_approver');
  if (slot && !slot.ok) return refuse('not_approver', 'delegation.refuse_delegated_away', { who: dir.personName(slot.delegatedTo.delegate) });
  if (step.decisions.some((d) => d.personId === me)) return refuse('already_decided', 'refuse.already_decided');
  if (!OPEN_STATUSES.has(s.status) || s.current !== idx || step.status !== 'active') return refuse('step_closed', 'refuse.step_closed');
  const delegate = slot?.ok && slot.delegate ? { delegateId: slot.delegate } : {};
  const who = slot?.ok && slot.delegate ? orgText(dir, 'delegation.acting_for', { delegate: dir.personName(actor.personId), principal: dir.personName(me) }) : dir.personName(actor.personId);

  const now = b.ctx.now.toISOString();
  const decide = (decision: StepDecision['decision'], comment?: string) => {
    const d: StepDecision = { personId: me, decision, at: now, platform: actor.platform, ...(comment ? { comment } : {}), ...delegate };
    step.decisions.push(d);
    b.decisions.push({ ...d, stepId: step.id, round: s.round });
  };
  // The audit says for whom a delegate acted.
  const log = (a: string, detail: Record<string, unknown>) => b.log(a, slot?.ok && slot.delegate ? { ...detail, onBehalfOf: me } : detail, step.id);

  switch (action.type) {
    case 'approve': {
      decide('approve', action.comment?.trim() || undefined);
      log(step.kind === 'consult' ? 'consult_acknowledged' : 'approved_step', { name: step.name, comment: action.comment ?? null });
      const approvedBy = new Set(step.decisions.filter((d) => d.decision === 'approve').map((d) => d.personId));
      const complete = step.mode === 'any' || step.approvers.every((p) => approvedBy.has(p));
      if (complete) {
        step.status = 'approved';
        b.effects.push({ kind: 'step_closed', stepId: step.id });
        openNext(b, idx + 1);
      }
      b.effects.push({ kind: 'refresh_cards' });
      if (s.status === 'pending' && complete && s.current !== null) {
        b.effects.push({ kind: 'notify', people: [s.applicantId], message: msg('request.step_passed', { number: s.number, step: step.name, next: s.steps[s.current]!.name }) });
      }
      return b.done(msg(complete ? 'feedback.approved' : 'feedback.approved_waiting_others'));
    }
    case 'reject':
    case 'return': {
      const reason = action.reason.trim();
      if (!reason) return refuse('reason_required', 'refuse.reason_required');
      if (reason.length > REASON_MAX) return refuse('invalid', 'refuse.reason_too_long', { max: REASON_MAX });
      if (action.type === 'reject') {
        decide('reject', reason);
        step.status = 'rejected';
        cancelOpenSteps(s);
        s.status = 'rejected';
        log('rejected', { name: step.name, reason });
        b.effects.push({ kind: 'notify', people: [s.applicantId], message: msg('request.rejected', { number: s.number, title: s.title, who, reason }) });
      } else {
        // Recorded like a decision, so every copy of the card shows who sent it back and why.
        decide('return', reason);
        cancelOpenSteps(s);
        s.status = 'returned';
        log('returned', { name: step.name, reason });
        b.effects.push({ kind: 'notify', people: [s.applicantId], message: msg('request.returned', { number: s.number, title: s.title, who, reason }) });
      }
      s.current = null;
      b.effects.push({ kind: 'step_closed', stepId: step.id }, { kind: 'refresh_cards' });
      return b.done(msg(action.type === 'reject' ? 'feedback.rejected' : 'feedback.returned'));
    }
    case 'transfer': {
      if (!dir.person(action.to)) return refuse('invalid', 'refuse.unknown_target', { who: action.to });
      if (step.approvers.includes(action.to)) return refuse('invalid', 'refuse.already_approver', { who: dir.personName(action.to) });
      step.approvers = step.approvers.map((p) => (p === me ? action.to : p));
      log('transferred', { to: action.to, comment: action.comment ?? null });
      b.effects.push({ kind: 'post_approval_card', stepId: step.id, people: [action.to], rooms: [] }, { kind: 'refresh_cards' });
      b.effects.push({ kind: 'notify', people: [action.to], message: msg('request.transferred_to_you', { number: s.number, title: s.title, who }) });
      return b.done(msg('feedback.transferred', { who: dir.personName(action.to) }));
    }
    case 'add_signer': {
      const signers = [...new Set(action.signers)].filter((p) => p !== actor.personId && p !== me);
      const unknown = signers.find((p) => !dir.person(p));
      if (unknown) return refuse('invalid', 'refuse.unknown_target', { who: unknown });
      if (signers.length === 0) return refuse('invalid', 'refuse.no_signers');
      const n = s.steps.filter((st) => st.id.startsWith('signer-')).length + 1;
      const added: StepState = { id: `signer-${n}`, name: orgText(b.ctx.dir, 'step.added_signer'), kind: 'approval', mode: 'all', approvers: signers, decisions: [], status: 'waiting', ...(step.due ? { due: step.due } : {}) };
      log('signer_added', { signers, position: action.position, comment: action.comment ?? null });
      if (action.position === 'after') {
        s.steps.splice(idx + 1, 0, added);
      } else {
        // Before: the new signers decide first; the current step waits and reopens after them.
        step.status = 'waiting';
        step.decisions = step.decisions.filter((d) => d.personId !== me);
        s.steps.splice(idx, 0, added);
        b.effects.push({ kind: 'step_closed', stepId: step.id });
        openNext(b, idx);
      }
      b.effects.push({ kind: 'refresh_cards' });
      return b.done(msg('feedback.signer_added'));
    }
  }
}

const LIFECYCLE: Record<LifecycleTrigger, { from: RequestState['status'][]; to: RequestState['status'] }> = {
  event_ended: { from: ['approved'], to: 'summary_due' },
  // A summary may come before the end-of-event prompt fires.
  summary_submitted: { from: ['approved', 'summary_due'], to: 'summary_submitted' },
  summary_reopened: { from: ['summary_submitted'], to: 'summary_due' },
  scored: { from: ['summary_submitted'], to: 'scored' },
  reimbursement_submitted: { from: ['scored'], to: 'reimbursing' },
  reimbursement_reopened: { from: ['reimbursing'], to: 'scored' },
  reimbursed: { from: ['reimbursing'], to: 'closed' },
  expired: { from: ['consulting', 'pending'], to: 'expired' },
  // The status after an escalation depends on the workflow's policy (deadlinePassed).
  deadline_passed: { from: ['consulting', 'pending'], to: 'pending' },
};

/**
 * The open step's deadline passed (the scheduler fires this at the escalation point). The
 * escalation target is told; the workflow's policy may also hand the step to the target,
 * approve the step, or reject the request (超时自动驳回). Refused when the open step is not
 * overdue, so a stale timer changes nothing.
 */
function deadlinePassed(prev: RequestState, ctx: CoreContext): Transition {
  const s = clone(prev);
  const idx = s.current;
  const step = idx === null ? undefined : s.steps[idx];
  if (idx === null || !step || step.status !== 'active' || !step.dueAt || Date.parse(step.dueAt) > ctx.now.getTime()) return refuse('wrong_state', 'refuse.not_due');
  const dir = ctx.dir;
  const esc = ctx.wf.escalation ?? { policy: 'notify', to: ['parent_dept_lead'], reason: orgText(ctx.dir, 'escalation.default_reason') };
  const b = new Builder(s, ctx, null);
  const decided = new Set(step.decisions.map((d) => d.personId));
  const waiting = step.approvers.filter((p) => !decided.has(p));
  const targets = dir.resolveApprovers(esc.to, s.applicantId).filter((p) => p !== s.applicantId);
  const newcomers = targets.filter((p) => !step.approvers.includes(p));
  // A transfer needs someone new to hand the step to; otherwise the target is only told.
  const policy = esc.policy === 'transfer' && !newcomers.length ? 'notify' : esc.policy;
  const names = (ids: string[]) => ids.map((p) => dir.personName(p)).join(orgText(dir, 'list.separator')) || '—';
  const params = { number: s.number, title: s.title, applicant: dir.personName(s.applicantId), step: step.name, waiting: names(waiting), to: names(newcomers) };
  b.log('escalated', { name: step.name, dueAt: step.dueAt, policy, to: targets, waiting }, step.id);
  if (targets.length) b.effects.push({ kind: 'notify', people: targets, message: msg(`escalation.${policy}`, params) });
  const tell = (key: MessageKey, extra: MessageIntent['params'] = {}) =>
    b.effects.push({ kind: 'notify', people: [s.applicantId], message: msg(key, { number: s.number, title: s.title, step: step.name, ...extra }) });
  switch (policy) {
    case 'transfer':
      step.approvers = [...step.approvers.filter((p) => decided.has(p)), ...newcomers];
      b.log('auto_transferred', { from: waiting, to: newcomers }, step.id);
      b.effects.push({ kind: 'post_approval_card', stepId: step.id, people: newcomers, rooms: [] }, { kind: 'refresh_cards' });
      break;
    case 'approve':
      step.status = 'approved';
      step.note = 'auto_approved';
      b.log('auto_approved', { name: step.name }, step.id);
      b.effects.push({ kind: 'step_closed', stepId: step.id });
      openNext(b, idx + 1);
      if (s.status !== 'approved') tell('request.auto_approved_step');
      b.effects.push({ kind: 'refresh_cards' });
      break;
    case 'reject':
      step.status = 'rejected';
      step.note = 'auto_rejected';
      cancelOpenSteps(s);
      s.status = 'rejected';
      s.current = null;
      b.log('rejected', { name: step.name, reason: esc.reason, auto: true }, step.id);
      tell('request.auto_rejected', { reason: esc.reason });
      b.effects.push({ kind: 'step_closed', stepId: step.id }, { kind: 'refresh_cards' });
      break;
    default:
      break;
  }
  const t = b.done(msg('feedback.escalated'));
  // Nobody clicked: the audit log says the system acted.
  return { ...t, audit: t.audit.map((a) => ({ ...a, platform: 'system' })) };
}

/** 撤回 after the decision: why not, and what to do instead (tell the approvers, who can act). */
function withdrawRefused(s: RequestState, dir: Directory): Transition {
  const ended = s.status === 'rejected' || s.status === 'withdrawn' || s.status === 'expired';
  if (ended) return refuse('wrong_state', 'refuse.withdraw_ended', { number: s.number });
  const approvers = [...new Set(s.steps.flatMap((st) => st.decisions.filter((d) => d.decision === 'approve').map((d) => d.personId)))];
  const who = approvers.map((p) => dir.personName(p)).join(orgText(dir, 'list.separator')) || orgText(dir, 'refuse.withdraw_who_default');
  return refuse('wrong_state', 'refuse.withdraw_approved', { number: s.number, who });
}

/** `child`: the follow-up that moved the event (its score is told to the organiser). */
export function advance(prev: RequestState, trigger: LifecycleTrigger, ctx: CoreContext, actor: ActorRef | null = null, child?: RequestState): Transition {
  const rule = LIFECYCLE[trigger];
  if (!rule.from.includes(prev.status)) return refuse('wrong_state', 'refuse.wrong_state', { status: prev.status });
  if (trigger === 'deadline_passed') return deadlinePassed(prev, ctx);
  const s = clone(prev);
  const b = new Builder(s, ctx, actor);
  if (trigger === 'expired') {
    cancelOpenSteps(s);
    s.current = null;
  }
  s.status = rule.to;
  b.log(`lifecycle.${trigger}`, { to: rule.to });
  b.effects.push({ kind: 'refresh_cards' }, ...promptsAfter(trigger, s, ctx.dir, child));
  return b.done(msg(`lifecycle.${trigger}`));
}

/**
 * The working-day calendar changed (an official holiday arrangement replaced the provisional
 * one): the open step's deadline is counted again from its activation under the new calendar.
 * When it moves, the step takes the new deadline (its reminders and escalation follow, see the
 * scheduler's syncChains), the approvers who have not decided are told, and the cards refresh.
 * Refused when nothing moves, so running it again changes nothing.
 */
export function recalculateDeadline(prev: RequestState, ctx: CoreContext, change: { year: number; source: string; formatDue: (d: Date) => string }): Transition {
  const idx = prev.current;
  const open = idx === null ? undefined : prev.steps[idx];
  if (!OPEN_STATUSES.has(prev.status) || !open || open.status !== 'active' || !open.due || !open.dueAt || !open.activatedAt || !ctx.dueAt) {
    return refuse('wrong_state', 'refuse.wrong_state', { status: prev.status });
  }
  const to = ctx.dueAt(open.due, new Date(open.activatedAt)).toISOString();
  if (Date.parse(to) === Date.parse(open.dueAt)) return refuse('wrong_state', 'refuse.deadline_unchanged');
  const s = clone(prev);
  const step = s.steps[idx!]!;
  const from = step.dueAt!;
  step.dueAt = to;
  const b = new Builder(s, ctx, null);
  b.log('deadline_recalculated', { from, to, year: change.year, source: change.source }, step.id);
  const people = awaiting(s);
  if (people.length) {
    // An official arrangement (or the package's data) is the State Council's; anything else (company days off) is not.
    const key = change.source === 'provisional' ? 'deadline.recalculated_calendar' : 'deadline.recalculated';
    b.effects.push({ kind: 'notify', people, message: msg(key, { number: s.number, title: s.title, step: step.name, year: change.year, due: change.formatDue(new Date(to)) }) });
  }
  b.effects.push({ kind: 'refresh_cards' });
  const t = b.done(msg('feedback.deadline_recalculated'));
  return { ...t, audit: t.audit.map((a) => ({ ...a, platform: 'system' })) };
}

/** Who may act on the open step right now (for "my pending approvals" and click pre-checks). */
export function openStep(s: RequestState): StepState | undefined {
  return OPEN_STATUSES.has(s.status) && s.current !== null ? s.steps[s.current] : undefined;
}

export function awaiting(s: RequestState): string[] {
  const st = openStep(s);
  if (!st) return [];
  const decided = new Set(st.decisions.map((d) => d.personId));
  return st.approvers.filter((p) => !decided.has(p));
}
