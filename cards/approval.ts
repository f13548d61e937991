// The approval card of a request: one card model that every copy (group, DM, every platform)
// shows, so a re-render after any decision converges all of them to the same state.
import type { RequestState, StepState } from '../src/core/model.js';
import { openStep } from '../src/core/lifecycle.js';
import { t, type Locale } from '../src/core/messages.js';
import type { RequestTypeDef } from '../src/core/request-types.js';
import { STATUS_TONE, type Card, type CardButton } from './model.js';
import { formatDateTime, formatValue } from './format.js';

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
  event: ['category', 'eventType', 'start', 'end', 'location', 'headcount', 'budget', 'onSiteLead'],
  summary: ['eventRef', 'attendance', 'results', 'actualSpend'],
  scoring: ['eventRef', 'qualitative', 'quantitative', 'comments'],
  reimbursement: ['eventRef', 'items', 'invoices'],
  content_review: ['title', 'channel', 'content', 'publishAt'],
};

function stepLine(step: StepState, ctx: CardContext, current: boolean): string {
  const en = ctx.locale === 'en';
  const names = step.approvers.map(ctx.personName).join('、');
  const mark: Record<StepState['status'], string> = {
    waiting: '○',
    active: '●',
    approved: '✓',
    rejected: '✗',
    skipped: '–',
    cancelled: '–',
  };
  const mode = step.approvers.length > 1 ? (step.mode === 'all' ? (en ? ' (all)' : '（会签）') : en ? ' (any)' : '（或签）') : '';
  const decided = step.decisions.map((d) => `${ctx.personName(d.personId)}${d.decision === 'approve' ? (en ? ' approved' : '同意') : en ? ' rejected' : '驳回'}`).join('，');
  const note = current && step.dueAt ? ctx.dueNote?.(new Date(step.dueAt)) : undefined;
  const due = current && step.dueAt ? `，${en ? 'due' : '截止'} ${formatDateTime(step.dueAt, ctx.timezone)}${note ? t(ctx.locale, 'calendar.provisional_suffix', { note }) : ''}` : '';
  const skipped = step.status === 'skipped' ? (en ? ' (skipped)' : '（已跳过）') : '';
  return `${mark[step.status]} ${step.name}：${names || '—'}${mode}${skipped}${decided ? ` — ${decided}` : ''}${due}`;
}

export function approvalCard(s: RequestState, ctx: CardContext): Card {
  const def = ctx.typeDef(s.type);
  const en = ctx.locale === 'en';
  const keys = GLANCE[s.type] ?? def?.fields.slice(0, 6).map((f) => f.key) ?? [];
  const fields = keys.flatMap((key) => {
    const spec = def?.fields.find((f) => f.key === key);
    if (!spec || s.payload[key] === undefined) return [];
    const label = en ? spec.labelEn : spec.label;
    return [{ label, value: formatValue(spec, s.payload[key], ctx.timezone), wide: spec.kind === 'longtext' || spec.kind === 'budget' }];
  });
  fields.unshift(
    { label: en ? 'Applicant' : '申请人', value: `${ctx.personName(s.applicantId)}（${ctx.deptName(s.deptId)}）`, wide: false },
  );
  const open = openStep(s);
  const buttons: CardButton[] = [];
  if (open) {
    const base = { r: s.id, s: open.id };
    const consult = open.kind === 'consult';
    buttons.push(
      { label: consult ? (en ? 'Acknowledge' : '确认已沟通') : en ? 'Approve' : '同意', style: 'primary', action: { ...base, a: 'approve' } },
      { label: en ? 'Reject' : '驳回', style: 'danger', action: { ...base, a: 'reject' }, needsReason: true },
      { label: en ? 'Send back' : '退回修改', style: 'default', action: { ...base, a: 'return' }, needsReason: true },
    );
  }
  const statusText = open ? `${t(ctx.locale, `status.${s.status}`)} · ${open.name}` : t(ctx.locale, `status.${s.status}`);
  const lines = s.steps.map((st, i) => stepLine(st, ctx, i === s.current));
  const typeName = def ? (en ? def.nameEn : def.name) : s.type;
  return {
    kind: 'approval',
    title: `${typeName} ${s.number}｜${s.title}`,
    subtitle: s.urgent ? (en ? 'Urgent' : '加急') : undefined,
    status: { text: statusText, tone: STATUS_TONE[s.status] },
    fields,
    markdown: lines.join('\n'),
    buttons,
    footer: `${en ? 'Updated' : '更新于'} ${formatDateTime(s.updatedAt, ctx.timezone)}`,
    ...(ctx.publicUrl ? { link: `${ctx.publicUrl}/#/requests/${s.id}` } : {}),
  };
}
