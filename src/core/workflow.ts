// Turns a workflow definition plus a submitted payload into the concrete steps of a request:
// conditions evaluated, framework-standard fast track applied, pre-consultation added,
// approvers resolved, self-approval skipped, empty steps decided by their policy. Pure.
import type { Directory } from '../org/directory.js';
import { DEFAULT_WHEN_EMPTY, type Condition, type OrgFile, type WhenEmptyPolicy, type Workflow } from '../org/schema.js';
import type { StepState } from './model.js';
import { formatMoney } from './fields/format.js';
import { orgText } from './org-text.js';
import { budgetTotal, type Payload } from './request-types.js';

export type Facts = Record<string, string | number | boolean | undefined>;

export function frameworkEntry(org: OrgFile, eventType: unknown) {
  return org.frameworkStandard.find((s) => s.eventType === eventType);
}

/** Facts that workflow conditions can test. */
export function factsOf(org: OrgFile, type: string, payload: Payload): Facts {
  const total = budgetTotal(payload.budget ?? payload.items);
  const headcount = typeof payload.headcount === 'number' ? payload.headcount : undefined;
  const perHead = headcount ? Math.round((total / headcount) * 100) / 100 : undefined;
  const std = frameworkEntry(org, payload.eventType);
  const formatOk = !std || std.formats.length === 0 || !payload.format || std.formats.includes(String(payload.format));
  const withinFramework =
    type === 'event' &&
    !!std &&
    formatOk &&
    (std.maxTotal === undefined || total <= std.maxTotal) &&
    (std.maxPerHead === undefined || (perHead !== undefined && perHead <= std.maxPerHead));
  return {
    type,
    category: typeof payload.category === 'string' ? payload.category : undefined,
    eventType: typeof payload.eventType === 'string' ? payload.eventType : undefined,
    format: typeof payload.format === 'string' ? payload.format : undefined,
    budgetTotal: total,
    headcount,
    budgetPerHead: perHead,
    withinFramework,
  };
}

export function holds(cond: Condition, facts: Facts): boolean {
  const v = facts[cond.fact];
  if (cond.eq !== undefined && v !== cond.eq) return false;
  if (cond.ne !== undefined && v === cond.ne) return false;
  if (cond.in !== undefined && !cond.in.includes(v as string | number)) return false;
  const n = typeof v === 'number' ? v : undefined;
  if (cond.gt !== undefined && !(n !== undefined && n > cond.gt)) return false;
  if (cond.gte !== undefined && !(n !== undefined && n >= cond.gte)) return false;
  if (cond.lt !== undefined && !(n !== undefined && n < cond.lt)) return false;
  if (cond.lte !== undefined && !(n !== undefined && n <= cond.lte)) return false;
  return true;
}

export const allHold = (conds: readonly Condition[], facts: Facts) => conds.every((c) => holds(c, facts));

/** What became of a step whose approvers resolved to nobody (审批人为空), for the audit. */
export interface EmptyStep {
  stepId: string;
  name: string;
  refs: readonly string[];
  policy: WhenEmptyPolicy;
  /** `assigned`: the policy's fallback approvers took the step. */
  outcome: 'auto_approve' | 'reject' | 'refuse' | 'assigned';
  approvers?: string[];
}

export interface PlannedChain {
  steps: StepState[];
  fastTrack: 'none' | 'skip-steps' | 'auto-approve';
  withinFramework: boolean;
  facts: Facts;
  /** Why an over-budget step was added (spend above the approved budget beyond the tolerance). */
  overBudget?: { spent: number; approvedBudget: number; overBudgetPercent: number; tolerancePercent: number };
  /** Steps that resolved to nobody and what their policy did with them, in chain order. */
  empty: EmptyStep[];
  /** The first empty step whose policy refuses the submission (nothing may be stored). */
  refused?: EmptyStep;
}

function makeStep(id: string, name: string, kind: StepState['kind'], mode: StepState['mode'], approvers: string[], due?: string): StepState {
  return { id, name, kind, mode, approvers, decisions: [], status: 'waiting', ...(due ? { due } : {}) };
}

/**
 * The empty-approver policy of a step: its own, else the workflow's, else the organisation's,
 * else the built-in `{ assign: [role:admin] }` (which refuses when there is no admin either).
 * An added signer (`signer-<n>`) has none of its own.
 */
export function whenEmptyOf(org: OrgFile, wf: Workflow, stepId: string): WhenEmptyPolicy {
  const own = stepId === 'consult' ? wf.preConsult?.whenEmpty : stepId === 'over-budget' ? wf.overBudget?.whenEmpty : wf.steps.find((s) => s.id === stepId)?.whenEmpty;
  return own ?? wf.whenEmpty ?? org.organisation.whenEmpty ?? DEFAULT_WHEN_EMPTY;
}

/** The approver refs of a planned step (for the self-approval test and the audit). */
function refsOf(wf: Workflow, stepId: string): readonly string[] {
  if (stepId === 'consult') return wf.preConsult?.approvers ?? [];
  if (stepId === 'over-budget') return wf.overBudget?.approvers ?? [];
  return wf.steps.find((s) => s.id === stepId)?.approvers ?? [];
}

/**
 * Plan the steps for one round of a request. A step left with nobody to ask is either a
 * self-approval (only the applicant resolved, or the head of the organisation asked for their
 * own lead, and `skipSelfApproval` removed them: skipped, note `self`) or an empty step, which
 * its `whenEmpty` policy decides: approved (note `no_approver`), rejected (note `no_approver`;
 * the request is rejected on submission), handed to the fallback approvers, or refused
 * (`refused`). Steps before `restartAt` (a resubmission restarting later) are skipped.
 */
export function planChain(dir: Directory, wf: Workflow, type: string, applicantId: string, payload: Payload, extraFacts: Facts = {}, restartAt?: string): PlannedChain {
  const facts = { ...factsOf(dir.org, type, payload), ...extraFacts };
  const fast = wf.fastTrack && allHold(wf.fastTrack.when, facts) ? wf.fastTrack.action : 'none';
  const steps: StepState[] = [];
  // Someone no longer in the directory (a leaver after a sync) cannot approve: they count as nobody.
  const resolve = (refs: readonly string[]) => {
    const people = dir.resolveApprovers(refs, applicantId).filter((p) => dir.person(p));
    return wf.skipSelfApproval ? people.filter((p) => p !== applicantId) : people;
  };
  if (wf.preConsult && allHold(wf.preConsult.when, facts)) {
    steps.push(makeStep('consult', orgText(dir, 'step.consult'), 'consult', 'any', resolve(wf.preConsult.approvers), wf.preConsult.due));
  }
  for (const s of wf.steps) {
    if (!allHold(s.when, facts)) continue;
    const step = makeStep(s.id, s.name, 'approval', s.mode, resolve(s.approvers), s.due);
    if (fast === 'skip-steps' && s.fastTrackSkip) {
      step.status = 'skipped';
      step.note = 'fast_track';
    }
    steps.push(step);
  }
  let overBudget: PlannedChain['overBudget'];
  const over = facts.overBudgetPercent;
  if (wf.overBudget && typeof over === 'number' && over > wf.overBudget.tolerancePercent) {
    overBudget = { spent: Number(facts.spent), approvedBudget: Number(facts.approvedBudget), overBudgetPercent: over, tolerancePercent: wf.overBudget.tolerancePercent };
    // The figures are in the step's name, so every card, list and timeline shows what is asked.
    const figures = { budget: formatMoney(overBudget.approvedBudget), spent: formatMoney(overBudget.spent), percent: Math.round(over) };
    steps.push(makeStep('over-budget', orgText(dir, 'step.over_budget_figures', { step: orgText(dir, 'step.over_budget'), ...figures }), 'approval', 'any', resolve(wf.overBudget.approvers)));
    steps.at(-1)!.note = 'over_budget';
  }
  const restartIdx = restartAt ? steps.findIndex((st) => st.id === restartAt) : -1;
  for (const st of steps.slice(0, Math.max(restartIdx, 0))) {
    if (st.status === 'waiting') Object.assign(st, { status: 'skipped', note: 'restart' });
  }
  const empty: EmptyStep[] = [];
  let refused: EmptyStep | undefined;
  // The whole request approves itself on this fast track: nobody needs to be found.
  if (fast !== 'auto-approve') {
    for (const st of steps) {
      if (st.status !== 'waiting' || st.approvers.length) continue;
      const refs = refsOf(wf, st.id);
      if (wf.skipSelfApproval && (dir.resolveApprovers(refs, applicantId).includes(applicantId) || dir.leadsAtTop(refs, applicantId))) {
        Object.assign(st, { status: 'skipped', note: 'self' });
        continue;
      }
      const e = decideEmpty(st, refs, whenEmptyOf(dir.org, wf, st.id), resolve);
      empty.push(e);
      if (e.outcome === 'refuse') refused ??= e;
    }
  }
  return { steps, fastTrack: fast, withinFramework: facts.withinFramework === true, facts, ...(overBudget ? { overBudget } : {}), empty, ...(refused ? { refused } : {}) };
}

/**
 * Apply an empty-approver policy to a step that resolved to nobody: `auto_approve` approves it,
 * `reject` marks it rejected (the caller rejects the request), `assign` hands it to the
 * fallback approvers, `refuse` (or a fallback that is empty too) leaves it for the caller to refuse.
 */
export function decideEmpty(st: StepState, refs: readonly string[], policy: WhenEmptyPolicy, resolve: (refs: readonly string[]) => string[]): EmptyStep {
  const base = { stepId: st.id, name: st.name, refs, policy };
  if (policy === 'auto_approve') {
    Object.assign(st, { status: 'approved', note: 'no_approver' });
    return { ...base, outcome: 'auto_approve' };
  }
  if (policy === 'reject') {
    st.note = 'no_approver';
    return { ...base, outcome: 'reject' };
  }
  const approvers = policy === 'refuse' ? [] : resolve(policy.assign);
  if (!approvers.length) return { ...base, outcome: 'refuse' };
  Object.assign(st, { approvers, note: 'no_approver_assigned' });
  return { ...base, outcome: 'assigned', approvers };
}
