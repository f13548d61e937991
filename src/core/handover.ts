// Hand-over of open approval tasks (移交): every undecided slot of person X on an active or
// waiting step of an open request goes to person Y. Pure: a snapshot in, the next snapshot with
// its audit and effects out (the service applies it like any transition). Also the leavers and
// movers policy: to whom a leaver's tasks go, and which of a mover's tasks move.
import type { Directory } from '../org/directory.js';
import type { Workflow } from '../org/schema.js';
import { Builder, clone, openNext, type CoreContext } from './lifecycle.js';
import type { Origin, RequestState, StepState, Transition } from './model.js';
import { msg, OPEN_STATUSES } from './model.js';
import { orgText } from './org-text.js';

export const HANDOVER_REASONS = ['left', 'moved', 'admin', 'delegation'] as const;
export type HandoverReason = (typeof HANDOVER_REASONS)[number];

export interface HandoverInput {
  from: string;
  to: string;
  reason: HandoverReason;
  /** Who handed over (an admin), or null for the system (a directory change). */
  by: string | null;
  platform: Origin;
  /** X's name when the directory no longer lists them (a leaver). */
  fromName?: string;
  /** Only these steps (a mover's tasks held as a department lead); default every open one. */
  steps?: (step: StepState, s: RequestState) => boolean;
}

/** The steps on which `personId` holds an undecided slot that can be handed over. */
export function openSlotsOf(s: RequestState, personId: string): StepState[] {
  if (!OPEN_STATUSES.has(s.status)) return [];
  return s.steps.filter((st) => (st.status === 'active' || st.status === 'waiting') && st.approvers.includes(personId) && !st.decisions.some((d) => d.personId === personId));
}

/**
 * The one to take a task instead of `to` when `to` is the applicant: with skipSelfApproval nobody
 * approves their own request, so it goes to the applicant's lead (one level up when the
 * applicant leads their department), as the workflow would have planned it.
 */
function selfApprovalSubstitute(dir: Directory, wf: Workflow, s: RequestState, input: HandoverInput): string | undefined {
  if (input.to !== s.applicantId || !wf.skipSelfApproval) return input.to;
  return dir.resolveApprovers(['dept_lead', 'parent_dept_lead'], s.applicantId).find((p) => p !== s.applicantId && p !== input.from);
}


/**
 * Move X's open slots to Y. If Y already approves that step, X is only dropped (and a step with
 * mode `all` whose remaining approvers have all approved is then complete). Refused when X holds
 * nothing here, so a repeat changes nothing.
 */
export function handOver(prev: RequestState, input: HandoverInput, ctx: CoreContext): Transition {
  const refused = { ok: false, code: 'wrong_state', message: msg('refuse.wrong_state', { status: prev.status }) } as const;
  if (input.from === input.to) return refused;
  const targets = openSlotsOf(prev, input.from).filter((st) => !input.steps || input.steps(st, prev));
  if (!targets.length) return refused;
  const to = selfApprovalSubstitute(ctx.dir, ctx.wf, prev, input);
  if (!to || to === input.from) return refused;
  const s = clone(prev);
  const b = new Builder(s, ctx, input.by ? { personId: input.by, platform: input.platform } : null);
  const dir = ctx.dir;
  const fromName = input.fromName ?? dir.personName(input.from);
  const reasonText = (r: HandoverReason) => `handover.reason.${r}` as const;
  let reopenFrom: number | undefined;
  for (const target of targets) {
    const idx = s.steps.findIndex((st) => st.id === target.id);
    const step = s.steps[idx]!;
    const already = step.approvers.includes(to);
    step.approvers = already ? step.approvers.filter((p) => p !== input.from) : step.approvers.map((p) => (p === input.from ? to : p));
    b.log('task_handed_over', { name: step.name, from: input.from, to, reason: input.reason, by: input.by, ...(to !== input.to ? { asked: input.to, selfApproval: true } : {}) }, step.id);
    if (step.status !== 'active') continue;
    const approvedBy = new Set(step.decisions.filter((d) => d.decision === 'approve').map((d) => d.personId));
    if (already && step.mode === 'all' && step.approvers.every((p) => approvedBy.has(p))) {
      // Dropping X left only approvers who have approved: the step is done.
      step.status = 'approved';
      b.effects.push({ kind: 'step_closed', stepId: step.id });
      reopenFrom = idx + 1;
      continue;
    }
    if (!already) {
      b.effects.push({ kind: 'post_approval_card', stepId: step.id, people: [to], rooms: [] });
      b.effects.push({
        kind: 'notify',
        people: [to],
        message: msg('handover.to_you', { from: fromName, reason: orgText(dir, reasonText(input.reason)), number: s.number, title: s.title, step: step.name }),
      });
    }
  }
  if (reopenFrom !== undefined) openNext(b, reopenFrom);
  b.effects.push({ kind: 'refresh_cards' });
  const t = b.done(msg('handover.done', { from: fromName, to: dir.personName(to), count: targets.length }));
  return input.by ? t : { ...t, audit: t.audit.map((a) => ({ ...a, platform: 'system' })) };
}

// ---- Leavers and movers

/** `organisation.leavers.handTo`: `dept_lead` (default), `person:<id>` or `role:<role>`. */
export type HandToPolicy = string;

/**
 * The lead of `deptId` or, when it has none (or it is `exclude`, or they are gone), of the first
 * department up the tree that has one. `parents` gives a department's parent (the new snapshot,
 * falling back to the old for a department that is gone).
 */
export function leadUpTheTree(dir: Directory, deptId: string | undefined, exclude: string, parentOf: (dept: string) => string | undefined): string | undefined {
  const seen = new Set<string>();
  for (let d = deptId; d && !seen.has(d); d = parentOf(d)) {
    seen.add(d);
    const lead = dir.deptLead(d);
    if (lead && lead !== exclude && dir.person(lead)) return lead;
  }
  return undefined;
}

/** Who takes a leaver's (or a mover's lead) tasks under the policy; the role `admin` last. */
export function handToTarget(dir: Directory, policy: HandToPolicy, person: string, deptId: string | undefined, parentOf: (dept: string) => string | undefined): string | undefined {
  const present = (p: string | undefined) => (p && p !== person && dir.person(p) ? p : undefined);
  let target: string | undefined;
  if (policy.startsWith('person:')) target = present(policy.slice(7));
  else if (policy.startsWith('role:')) target = dir.roleMembers(policy.slice(5)).find((p) => present(p));
  if (!target) target = leadUpTheTree(dir, deptId, person, parentOf);
  return target ?? dir.roleMembers('admin').find((p) => present(p));
}

/** The approver references a planned step came from (signers and transfers have none). */
function stepRefs(wf: Workflow, step: StepState): readonly string[] {
  if (step.kind === 'consult') return wf.preConsult?.approvers ?? [];
  if (step.id === 'over-budget') return wf.overBudget?.approvers ?? [];
  return wf.steps.find((x) => x.id === step.id)?.approvers ?? [];
}

/**
 * Whether a mover holds this step as a department lead (`dept_lead` / `parent_dept_lead`) and
 * not by name: a step that names them (`person:`, a `role:` they are in) or was transferred or
 * added to them stays theirs after a move.
 */
export function heldAsLead(dir: Directory, wf: Workflow, step: StepState, personId: string): boolean {
  const refs = stepRefs(wf, step);
  const byLead = refs.some((r) => r === 'dept_lead' || r === 'parent_dept_lead');
  const byName = refs.some((r) => r === `person:${personId}` || (r.startsWith('role:') && dir.roleMembers(r.slice(5)).includes(personId)));
  return byLead && !byName;
}
