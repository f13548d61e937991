// The approval card of a request: one card model that every copy (group, DM, every platform)
// shows, so a re-render after any decision converges all of them to the same state.
import { decisionKind, type RequestState, type StepState } from '../src/core/model.js';
import { openStep } from '../src/core/lifecycle.js';
import { t, type Locale } from '../src/core/messages.js';
import type { RequestTypeDef } from '../src/core/request-types.js';
import { fieldKind, fieldLabel, formatMoney, isWide, showValue, typeName, type AttachmentRef } from '../src/core/fields/index.js';
import { followUpFacts } from '../src/core/event-lifecycle.js';
import { requestPageUrl } from '../src/core/request-link.js';
import type { Card, CardAttachment, CardButton, CardField } from './model.js';
import { STATUS_TONE } from './tone.js';
import { formatDateTime } from './format.js';

export interface CardContext {
  locale: Locale;
  timezone: string;
  personName: (id: string) => string;
  deptName: (id: string) => string;
  typeDef: (id: string) => RequestTypeDef | undefined;
  /** Base URL of the web UI, for the "view details" link. */
  publicUrl?: string;
  /** A note for a deadline that rests on a provisional holiday year (see provisionalNote), else undefined. */
  dueNote?: (dueAt: Date) => string | undefined;
}

/** The fields an approver needs at a glance; the full payload is on the detail page. */
const GLANCE: Record<string, string[]> = {
  event: ['category', 'eventType', 'start', 'end', 'location', 'headcount', 'budget', 'onSiteLead', 'plan'],
  summary: ['eventRef', 'attendance', 'results', 'actualSpend', 'photos', 'documents'],
  scoring: ['eventRef', 'qualitative', 'quantitative', 'comments'],
  reimbursement: ['eventRef', 'items', 'invoices', 'invoiceFiles'],
  content_review: ['title', 'channel', 'content', 'publishAt'],
};

/** Reasons are cut on the card (card sizes are limited); the timeline keeps them whole. */
const REASON_ON_CARD = 120;
const clipReason = (s: string) => (s.length > REASON_ON_CARD ? `${s.slice(0, REASON_ON_CARD - 1)}…` : s);

function stepLine(step: StepState, ctx: CardContext, current: boolean): string {
  const loc = ctx.locale;
  const names = step.approvers.map(ctx.personName).join(t(loc, 'approval.names_separator'));
  const mark: Record<StepState['status'], string> = {
    waiting: '○',
    active: '●',
    approved: '✓',
    rejected: '✗',
    skipped: '–',
    cancelled: '–',
  };
  const mode = step.approvers.length > 1 ? t(loc, step.mode === 'all' ? 'approval.mode.all' : 'approval.mode.any') : '';
  const decided = step.decisions
    .map((d) => {
      // A delegate's decision fills the principal's slot: 王芳（代 刘洋）.
      const who = d.delegateId ? t(loc, 'delegation.acting_for', { delegate: ctx.personName(d.delegateId), principal: ctx.personName(d.personId) }) : ctx.personName(d.personId);
      // A rejection or a send-back shows its reason to everyone who sees the card.
      const reason = d.decision !== 'approve' && d.comment ? t(loc, 'approval.decided.reason', { reason: clipReason(d.comment) }) : '';
      return t(loc, `approval.decided.${decisionKind(d.decision, step.kind)}`, { who, reason });
    })
    .join(t(loc, 'approval.decided_separator'));
  const note = current && step.dueAt ? ctx.dueNote?.(new Date(step.dueAt)) : undefined;
  const due = current && step.dueAt ? t(loc, 'approval.due', { due: `${formatDateTime(step.dueAt, ctx.timezone)}${note ? t(loc, 'calendar.provisional_suffix', { note }) : ''}` }) : '';
  // Before the restart point of a resubmission the step was done in an earlier round, not skipped.
  const skipped = step.status === 'skipped' ? t(loc, step.note === 'restart' ? 'approval.done_earlier' : 'approval.skipped') : policyNote(step, loc);
  return t(loc, 'approval.step', { mark: mark[step.status], step: step.name, names: names || '—', mode, skipped, decided: decided ? ` — ${decided}` : '', due });
}

/** Why a step decided itself or changed hands (empty-approver and same-approver policies). */
function policyNote(step: StepState, loc: Locale): string {
  if (step.note === 'same_approver') return t(loc, 'approval.note.same_approver');
  if (step.note === 'no_approver_assigned') return t(loc, 'approval.note.no_approver_assigned');
  if (step.note !== 'no_approver') return '';
  return t(loc, step.status === 'rejected' ? 'approval.note.no_approver_rejected' : 'approval.note.no_approver');
}

/** The payload keys holding a follow-up's spend (read against the event's approved budget). */
const SPEND_KEYS = new Set(['items', 'actualSpend']);

/** "预算 ¥20,000，实报 ¥21,500，超 8%" (or the amount left), when the event's budget is known. */
export function spendLine(parent: RequestState | undefined, s: RequestState, loc: Locale): string | undefined {
  const f = followUpFacts(parent, s.payload);
  if (f.approvedBudget === undefined || f.spent === undefined) return undefined;
  const figures = { budget: formatMoney(f.approvedBudget), spent: formatMoney(f.spent) };
  if (f.spent > f.approvedBudget) return t(loc, 'approval.spend.over', { ...figures, percent: String(Math.round(f.overBudgetPercent!)) });
  return t(loc, 'approval.spend.within', { ...figures, left: formatMoney(f.approvedBudget - f.spent) });
}

/** Every file the payload's attachments fields hold, in field order. */
export function payloadFiles(def: RequestTypeDef | undefined, payload: RequestState['payload']): CardAttachment[] {
  return (def?.fields ?? []).filter((f) => fieldKind(f.kind).files && Array.isArray(payload[f.key])).flatMap((f) => (payload[f.key] as AttachmentRef[]).map(({ id, name, mime, size }) => ({ id, name, mime, size })));
}

/**
 * `related.parent`: the event a follow-up (summary, reimbursement) belongs to, when the caller
 * loaded it — its approved budget is shown beside the spend and the invoices.
 */
export function approvalCard(s: RequestState, ctx: CardContext, related: { parent?: RequestState | undefined } = {}): Card {
  const def = ctx.typeDef(s.type);
  const loc = ctx.locale;
  const keys = GLANCE[s.type] ?? def?.fields.slice(0, 6).map((f) => f.key) ?? [];
  const spend = spendLine(related.parent, s, loc);
  const fields = keys.flatMap((key): CardField[] => {
    const spec = def?.fields.find((f) => f.key === key);
    if (!spec || s.payload[key] === undefined) return [];
    const field = { label: fieldLabel(spec, loc), value: showValue(spec, s.payload[key], ctx), wide: isWide(spec) };
    return spend && SPEND_KEYS.has(key) ? [field, { label: t(loc, 'approval.spend'), value: spend, wide: true }] : [field];
  });
  const files = payloadFiles(def, s.payload);
  fields.unshift({
    label: t(loc, 'approval.applicant'),
    value: t(loc, 'approval.applicant_value', { name: ctx.personName(s.applicantId), dept: ctx.deptName(s.deptId) }),
    wide: false,
  });
  const open = openStep(s);
  const buttons: CardButton[] = [];
  if (open) {
    const base = { r: s.id, s: open.id };
    const consult = open.kind === 'consult';
    buttons.push(
      { label: t(loc, consult ? 'approval.acknowledge' : 'approval.approve'), style: 'primary', action: { ...base, a: 'approve' } },
      { label: t(loc, 'approval.reject'), style: 'danger', action: { ...base, a: 'reject' }, needsReason: true },
      { label: t(loc, 'approval.return'), style: 'default', action: { ...base, a: 'return' }, needsReason: true },
    );
  }
  const statusText = open ? `${t(loc, `status.${s.status}`)} · ${open.name}` : t(loc, `status.${s.status}`);
  const lines = s.steps.map((st, i) => stepLine(st, ctx, i === s.current));
  return {
    kind: 'approval',
    title: t(loc, 'approval.title', { type: def ? typeName(def, loc) : s.type, number: s.number, title: s.title }),
    subtitle: s.urgent ? t(loc, 'approval.urgent') : undefined,
    status: { text: statusText, tone: STATUS_TONE[s.status] },
    fields,
    markdown: lines.join('\n'),
    buttons,
    footer: t(loc, 'approval.updated', { at: formatDateTime(s.updatedAt, ctx.timezone) }),
    ...(ctx.publicUrl ? { link: requestPageUrl(ctx.publicUrl, s.id) } : {}),
    ...(files.length ? { attachments: files } : {}),
  };
}
