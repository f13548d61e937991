// How follow-up requests (summary, scoring, reimbursement) attach to an approved event and
// move it along: approved → summary_due → summary_submitted → scored → reimbursing → closed.
// Pure: the service loads the event, asks these rules, and applies both in one transaction.
import type { Directory } from '../org/directory.js';
import type { Effect, LifecycleTrigger, MessageIntent, RequestState, RequestStatus } from './model.js';
import { formatInstant } from './fields/format.js';
import { budgetTotal, type Payload } from './request-types.js';

/**
 * Per follow-up type: which event statuses accept it, who may file it, and how the event moves
 * when the follow-up is submitted, approved, or ends without approval.
 */
const LINKS: Record<
  string,
  { from: RequestStatus[]; by: 'organiser' | 'other'; afterEnd?: boolean; onSubmit?: LifecycleTrigger; onApproved?: LifecycleTrigger; onFailed?: LifecycleTrigger }
> = {
  // The summary is written after the event (domain: 活动结束后撰写总结).
  summary: { from: ['approved', 'summary_due'], by: 'organiser', afterEnd: true, onSubmit: 'summary_submitted', onFailed: 'summary_reopened' },
  scoring: { from: ['summary_submitted'], by: 'other', onApproved: 'scored' },
  reimbursement: { from: ['scored'], by: 'organiser', onSubmit: 'reimbursement_submitted', onApproved: 'reimbursed', onFailed: 'reimbursement_reopened' },
};

/**
 * Whether a follow-up of `childType` may be filed against `event` by `applicantId`; with `when`,
 * a summary also waits for the event's end (and the refusal says when that is).
 */
export function checkLink(
  event: RequestState | undefined,
  childType: string,
  applicantId: string,
  when?: { now: Date; timezone: string },
): { ok: true } | { ok: false; message: MessageIntent } {
  const rule = LINKS[childType];
  if (!rule) return { ok: true };
  if (!event || event.type !== 'event') return { ok: false, message: { key: 'refuse.no_event', params: {} } };
  if (rule.by === 'organiser' && event.applicantId !== applicantId) return { ok: false, message: { key: 'refuse.not_organiser', params: { number: event.number } } };
  if (rule.by === 'other' && event.applicantId === applicantId) return { ok: false, message: { key: 'refuse.self_scoring', params: {} } };
  if (!rule.from.includes(event.status)) return { ok: false, message: { key: 'refuse.event_state', params: { number: event.number, status: event.status } } };
  const end = typeof event.payload?.end === 'string' ? new Date(event.payload.end) : undefined;
  // summary_due: the scheduler has seen the end (the authority); before it, the clock decides.
  if (rule.afterEnd && when && event.status === 'approved' && end && end > when.now) {
    return { ok: false, message: { key: 'refuse.summary_before_end', params: { number: event.number, end: formatInstant(end.toISOString(), when.timezone, true) } } };
  }
  return { ok: true };
}

/** The event's transition when a follow-up is submitted, approved, or ends without approval. */
export function eventTrigger(childType: string, childStatus: RequestStatus, submittedNow: boolean): LifecycleTrigger | undefined {
  const link = LINKS[childType];
  if (!link) return undefined;
  // A follow-up approved on submission (every step skipped) moves the event at once.
  if (submittedNow) return link.onSubmit ?? (childStatus === 'approved' ? link.onApproved : undefined);
  if (childStatus === 'approved') return link.onApproved;
  if (childStatus === 'rejected' || childStatus === 'withdrawn') return link.onFailed;
  return undefined;
}

/** Facts a follow-up adds for workflow conditions: spend against the approved budget. */
export function followUpFacts(event: Pick<RequestState, 'payload'> | undefined, childPayload: Payload): Record<string, number> {
  if (!event) return {};
  const approved = budgetTotal(event.payload.budget);
  const spent = budgetTotal(childPayload.items ?? childPayload.actualSpend);
  if (!approved || !spent) return {};
  return { approvedBudget: approved, spent, overBudgetPercent: Math.round(((spent - approved) / approved) * 10000) / 100 };
}

/** Forms to prompt after the event moves: scoring to the leaders, reimbursement to the organiser. */
export function promptsAfter(trigger: LifecycleTrigger, event: RequestState, dir: Directory, child?: RequestState): Effect[] {
  const prefill = { eventRef: event.number };
  if (trigger === 'event_ended') return [{ kind: 'prompt_form', people: [event.applicantId], requestType: 'summary', prefill, message: { key: 'prompt.summary', params: { number: event.number, title: event.title } } }];
  if (trigger === 'summary_submitted') {
    const wf = dir.workflowFor('scoring');
    const leaders = wf ? dir.resolveApprovers(wf.scorers ?? wf.steps[0]?.approvers ?? [], event.applicantId).filter((p) => p !== event.applicantId) : [];
    return leaders.length ? [{ kind: 'prompt_form', people: leaders, requestType: 'scoring', prefill, message: { key: 'prompt.scoring', params: { number: event.number, title: event.title } } }] : [];
  }
  if (trigger === 'scored') {
    const prompt: Effect = { kind: 'prompt_form', people: [event.applicantId], requestType: 'reimbursement', prefill, message: { key: 'prompt.reimbursement', params: { number: event.number, title: event.title } } };
    return child?.type === 'scoring' ? [scoreNotice(event, child, dir), prompt] : [prompt];
  }
  return [];
}

/** The organiser is told the score, who gave it and the comments (before the reimbursement prompt). */
function scoreNotice(event: RequestState, scoring: RequestState, dir: Directory): Effect {
  const n = (v: unknown) => (typeof v === 'number' ? v : Number(v) || 0);
  const qualitative = n(scoring.payload.qualitative);
  const quantitative = n(scoring.payload.quantitative);
  const comments = typeof scoring.payload.comments === 'string' && scoring.payload.comments.trim() ? scoring.payload.comments.trim() : '';
  return {
    kind: 'notify',
    people: [event.applicantId],
    message: {
      key: comments ? 'event.scored_with_comments' : 'event.scored',
      params: { number: event.number, title: event.title, who: dir.personName(scoring.applicantId), total: qualitative + quantitative, qualitative, quantitative, comments: comments.slice(0, 500) },
    },
  };
}
