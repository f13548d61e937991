// Turns a workflow definition plus a submitted payload into the concrete steps of a request:
// conditions evaluated, framework-standard fast track applied, pre-consultation added,
// approvers resolved, self-approval skipped. Pure.
import type { Directory } from '../org/directory.js';
import type { Condition, OrgFile, Workflow } from '../org/schema.js';
import type { StepState } from './model.js';
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

export interface PlannedChain {
  steps: StepState[];
  fastTrack: 'none' | 'skip-steps' | 'auto-approve';
  withinFramework: boolean;
  facts: Facts;
  /** Why an over-budget step was added (spend above the approved budget beyond the tolerance). */
  overBudget?: { spent: number; approvedBudget: number; overBudgetPercent: number; tolerancePercent: number };
}

function makeStep(id: string, name: string, kind: StepState['kind'], mode: StepState['mode'], approvers: string[], due?: string): StepState {
  return { id, name, kind, mode, approvers, decisions: [], status: 'waiting', ...(due ? { due } : {}) };
}

/** Plan the steps for one round of a request. Steps that end up with nobody to ask are skipped. */
export function planChain(dir: Directory, wf: Workflow, type: string, applicantId: string, payload: Payload, extraFacts: Facts = {}): PlannedChain {
  const facts = { ...factsOf(dir.org, type, payload), ...extraFacts };
  const fast = wf.fastTrack && allHold(wf.fastTrack.when, facts) ? wf.fastTrack.action : 'none';
  const steps: StepState[] = [];
  const resolve = (refs: readonly string[]) => {
    const people = dir.resolveApprovers(refs, applicantId);
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
    } else if (step.approvers.length === 0) {
      step.status = 'skipped';
      step.note = wf.skipSelfApproval ? 'self_or_nobody' : 'nobody';
    }
    steps.push(step);
  }
  let overBudget: PlannedChain['overBudget'];
  const over = facts.overBudgetPercent;
  if (wf.overBudget && typeof over === 'number' && over > wf.overBudget.tolerancePercent) {
    overBudget = { spent: Number(facts.spent), approvedBudget: Number(facts.approvedBudget), overBudgetPercent: over, tolerancePercent: wf.overBudget.tolerancePercent };
    steps.push(makeStep('over-budget', orgText(dir, 'step.over_budget'), 'approval', 'any', resolve(wf.overBudget.approvers)));
    const added = steps.at(-1)!;
    added.note = 'over_budget';
    if (added.approvers.length === 0) added.status = 'skipped';
  }
  return { steps, fastTrack: fast, withinFramework: facts.withinFramework === true, facts, ...(overBudget ? { overBudget } : {}) };
}
