// Which outbound webhook events a transition makes, and their payload (version 1). Pure: the
// hook (src/webhooks/hook.ts) gives each event its id and stores it in the transition's
// transaction, so an event exists exactly when the change that made it was committed.
import { budgetTotal, type RequestTypeDef } from '../request-types.js';
import type { AuditEntry, RequestState, TransitionOk } from '../model.js';

import type { WebhookEventType } from './event-types.js';

export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './event-types.js';

/** The payload's version: a receiver checks it and ignores versions it does not know. */
export const WEBHOOK_PAYLOAD_VERSION = 1;

export interface WebhookStep {
  id: string;
  name: string;
  status: string;
}

export interface WebhookPayload {
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  /** The event id: also the `Idempotency-Key` header; the same on every retry and redrive. */
  id: string;
  type: WebhookEventType;
  occurred_at: string;
  request: {
    id: string;
    number: string;
    type: string;
    title: string;
    state: string;
    applicant: string;
    round: number;
    /** The open step, if any. */
    step: WebhookStep | null;
    /** Money fields by key (a budget: its total), in yuan. */
    amounts: Record<string, number>;
    /** For a follow-up (summary, reimbursement): the event request's id. */
    parent_id: string | null;
  };
  /** request.decided: the outcome, who decided (for whom a delegate acted) and the comment or reason. */
  decision?: { outcome: 'approved' | 'rejected' | 'returned'; decider: string | null; delegate: string | null; comment: string | null; auto: boolean };
  /** step.changed: what happened to which step, and who did it (null: the system). */
  change?: { action: string; step: WebhookStep; actor: string | null; detail: Record<string, unknown> };
  /** request.escalated: the overdue step, the policy applied, who was told. */
  escalation?: { step: WebhookStep; policy: unknown; to: unknown };
}

/** An event without its id (the hook assigns one). */
export type WebhookEventDraft = Omit<WebhookPayload, 'id'>;

/** Audit actions that change one step (its status, its approvers). */
const STEP_ACTIONS = new Set([
  'step_opened',
  'approved_step',
  'consult_acknowledged',
  'step_auto_approved',
  'auto_approved',
  'step_skipped',
  'rejected',
  'returned',
  'transferred',
  'auto_transferred',
  'signer_added',
  'task_handed_over',
]);

/** Statuses in which nothing more happens to a request. */
const CLOSED = new Set(['closed', 'withdrawn', 'expired']);

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

export function amountsOf(s: RequestState, def: RequestTypeDef | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of def?.fields ?? []) {
    const v = s.payload[f.key];
    if (f.kind === 'money' && typeof v === 'number') out[f.key] = v;
    if (f.kind === 'budget' && Array.isArray(v)) out[f.key] = budgetTotal(v);
  }
  return out;
}

/** The webhook events of one applied transition, in the order of its audit entries. */
export function webhookEvents(t: TransitionOk, typeDef: (type: string) => RequestTypeDef | undefined): WebhookEventDraft[] {
  const s = t.state;
  const stepOf = (id: string | undefined): WebhookStep => {
    const st = s.steps.find((x) => x.id === id);
    return { id: id ?? '', name: st?.name ?? '', status: st?.status ?? 'unknown' };
  };
  const open = s.current !== null ? s.steps[s.current] : undefined;
  const base = (type: WebhookEventType): WebhookEventDraft => ({
    version: WEBHOOK_PAYLOAD_VERSION,
    type,
    occurred_at: s.updatedAt,
    request: {
      id: s.id,
      number: s.number,
      type: s.type,
      title: s.title,
      state: s.status,
      applicant: s.applicantId,
      round: s.round,
      step: open ? { id: open.id, name: open.name, status: open.status } : null,
      amounts: amountsOf(s, typeDef(s.type)),
      parent_id: s.parentId ?? null,
    },
  });
  // A request-level approval has no decision of its own: the last one made in this transition led to it.
  const lastDecision = t.decisions.at(-1);
  const decided = (a: AuditEntry, outcome: 'approved' | 'rejected' | 'returned'): WebhookEventDraft => {
    const delegated = str(a.detail.onBehalfOf);
    const auto = a.platform === 'system' || a.detail.auto === true;
    const comment = outcome === 'approved' ? (lastDecision?.comment ?? null) : str(a.detail.reason);
    const decider = outcome === 'approved' ? (lastDecision?.personId ?? null) : (delegated ?? a.actorId);
    const delegate = outcome === 'approved' ? (lastDecision?.delegateId ?? null) : delegated ? a.actorId : null;
    return { ...base('request.decided'), decision: { outcome, decider: auto ? null : decider, delegate: auto ? null : delegate, comment, auto } };
  };

  const out: WebhookEventDraft[] = [];
  for (const a of t.audit) {
    if (a.action === 'submitted' || a.action === 'resubmitted') out.push(base('request.submitted'));
    if (STEP_ACTIONS.has(a.action) && a.stepId) out.push({ ...base('step.changed'), change: { action: a.action, step: stepOf(a.stepId), actor: a.actorId, detail: a.detail } });
    if (a.action === 'approved') out.push(decided(a, 'approved'));
    if (a.action === 'rejected') out.push(decided(a, 'rejected'));
    if (a.action === 'returned') out.push(decided(a, 'returned'));
    if (a.action === 'escalated') out.push({ ...base('request.escalated'), escalation: { step: stepOf(a.stepId), policy: a.detail.policy ?? null, to: a.detail.to ?? null } });
    if (a.action === 'lifecycle.reimbursed') out.push(base('request.reimbursed'));
  }
  // Closed once, whichever entry closed it (withdrawn, expired, reimbursed → closed).
  if (CLOSED.has(s.status) && t.audit.some((a) => a.action === 'withdrawn' || a.action.startsWith('lifecycle.'))) out.push(base('request.closed'));
  return out;
}
