// The console's exports — the filtered request list, the decisions on it, the reimbursements —
// each a column list fed to one writer: Excel (exceljs' streaming writer, so a large export never
// sits in memory; dates as dates, money as numbers) or CSV (UTF-8 with a BOM, so Excel opens
// Chinese text correctly). Headers in the organisation's language.
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { decisionKind, type StepDecision } from '../core/model.js';
import { followUpFacts } from '../core/event-lifecycle.js';
import { renderMessage, t, tAny, type Locale, type MessageKey } from '../core/i18n/index.js';
import type { Directory } from '../org/directory.js';
import type { ConsoleRow, DecisionRow, ReimbursementRow } from '../store/console-repo.js';

export type ExportFormat = 'csv' | 'xlsx';

export interface ExportContext {
  dir: Directory;
  locale: Locale;
  timezone: string;
  now: Date;
}

type Cell = string | number | Date | null;

/** One column of an export: its header (a catalog key), how a row gives its value, and the cell kind. */
export interface ExportColumn<R> {
  key: string;
  header: MessageKey;
  kind: 'text' | 'number' | 'date';
  value: (r: R, ctx: ExportContext) => Cell;
  /** Excel number format (number columns: money by default). */
  numFmt?: string;
  width?: number;
}

/** The money in a request: its money fields plus its budget items, in yuan (null when it has none). */
export function amountOf(row: Pick<ConsoleRow, 'type' | 'payload'>, dir: Directory): number | null {
  const fields = dir.requestType(row.type)?.fields ?? [];
  let total: number | null = null;
  for (const f of fields) {
    const v = row.payload[f.key];
    if (f.kind === 'money' && typeof v === 'number') total = (total ?? 0) + v;
    if (f.kind === 'budget' && Array.isArray(v)) for (const item of v as Array<{ amount?: unknown }>) if (typeof item.amount === 'number') total = (total ?? 0) + item.amount;
  }
  return total === null ? null : Math.round(total * 100) / 100;
}

const typeName = (type: string, { dir }: ExportContext) => dir.requestType(type)?.name ?? type;
const status = (s: string, { locale }: ExportContext) => tAny(locale, `status.${s}`);

export const REQUEST_COLUMNS: ExportColumn<ConsoleRow>[] = [
  { key: 'number', header: 'console.col.number', kind: 'text', value: (r) => r.number },
  { key: 'type', header: 'console.col.type', kind: 'text', value: (r, c) => typeName(r.type, c) },
  { key: 'title', header: 'console.col.title', kind: 'text', value: (r) => r.title, width: 36 },
  { key: 'status', header: 'console.col.status', kind: 'text', value: (r, c) => status(r.status, c) },
  { key: 'applicant', header: 'console.col.applicant', kind: 'text', value: (r, c) => c.dir.personName(r.applicantId) },
  { key: 'dept', header: 'console.col.dept', kind: 'text', value: (r, c) => c.dir.departments.get(r.deptId)?.name ?? r.deptId },
  { key: 'created', header: 'console.col.created', kind: 'date', value: (r) => r.createdAt },
  { key: 'step', header: 'console.col.step', kind: 'text', value: (r) => r.stepName },
  { key: 'waiting', header: 'console.col.waiting', kind: 'text', value: (r, c) => (r.waitingOn ?? []).map((id) => c.dir.personName(id)).join(t(c.locale, 'console.list_separator')), width: 20 },
  { key: 'due', header: 'console.col.due', kind: 'date', value: (r) => r.dueAt },
  {
    key: 'overdue',
    header: 'console.col.overdue',
    kind: 'text',
    value: (r, c) => t(c.locale, (r.status === 'pending' || r.status === 'consulting') && !!r.dueAt && r.dueAt < c.now ? 'console.yes' : 'console.no'),
  },
  { key: 'amount', header: 'console.col.amount', kind: 'number', value: (r, c) => amountOf(r, c.dir) },
];

export const DECISION_COLUMNS: ExportColumn<DecisionRow>[] = [
  { key: 'number', header: 'console.col.number', kind: 'text', value: (r) => r.number },
  { key: 'type', header: 'console.col.type', kind: 'text', value: (r, c) => typeName(r.type, c) },
  { key: 'title', header: 'console.col.title', kind: 'text', value: (r) => r.title, width: 36 },
  { key: 'step', header: 'console.col.step_name', kind: 'text', value: (r) => r.stepName },
  // Who decided; under a delegation, the delegate for the approver.
  { key: 'decider', header: 'console.col.decider', kind: 'text', value: (r, c) => (r.delegateId ? t(c.locale, 'delegation.acting_for', { delegate: c.dir.personName(r.delegateId), principal: c.dir.personName(r.personId) }) : c.dir.personName(r.personId)) },
  { key: 'action', header: 'console.col.action', kind: 'text', value: (r, c) => t(c.locale, `archive.decision.${decisionKind(r.decision as StepDecision['decision'], r.stepKind)}`) },
  { key: 'comment', header: 'console.col.comment', kind: 'text', value: (r) => r.comment, width: 30 },
  { key: 'decided', header: 'console.col.decided', kind: 'date', value: (r) => r.decidedAt },
  { key: 'platform', header: 'console.col.platform', kind: 'text', value: (r, c) => tAny(c.locale, `archive.platform.${r.platform}`) },
  { key: 'hours', header: 'console.col.lead_hours', kind: 'number', numFmt: '0.0', value: (r) => (r.activatedAt ? Math.round(((r.decidedAt.getTime() - r.activatedAt.getTime()) / 3_600_000) * 10) / 10 : null) },
];

export const REIMBURSEMENT_COLUMNS: ExportColumn<ReimbursementRow>[] = [
  { key: 'number', header: 'console.col.number', kind: 'text', value: (r) => r.number },
  { key: 'event', header: 'console.col.event_number', kind: 'text', value: (r) => r.event?.number ?? null },
  { key: 'eventTitle', header: 'console.col.event_title', kind: 'text', value: (r) => r.event?.title ?? null, width: 30 },
  { key: 'applicant', header: 'console.col.applicant', kind: 'text', value: (r, c) => c.dir.personName(r.applicantId) },
  { key: 'dept', header: 'console.col.dept', kind: 'text', value: (r, c) => c.dir.departments.get(r.deptId)?.name ?? r.deptId },
  // Budget, spend and overrun come from the rule the workflow conditions use (followUpFacts).
  { key: 'budget', header: 'console.col.approved_budget', kind: 'number', value: (r) => (r.event ? (followUpFacts(r.event, r.payload).approvedBudget ?? null) : null) },
  { key: 'claimed', header: 'console.col.claimed', kind: 'number', value: (r, c) => amountOf(r, c.dir) },
  { key: 'overrun', header: 'console.col.overrun', kind: 'number', numFmt: '0.00', value: (r) => (r.event ? (followUpFacts(r.event, r.payload).overBudgetPercent ?? null) : null) },
  { key: 'status', header: 'console.col.status', kind: 'text', value: (r, c) => status(r.status, c) },
  { key: 'created', header: 'console.col.created', kind: 'date', value: (r) => r.createdAt },
  { key: 'decided', header: 'console.col.decided', kind: 'date', value: (r) => r.decidedAt },
];

/** A date as the organisation reads it, for CSV (YYYY-MM-DD HH:mm). */
const localTime = (d: Date, timezone: string) => new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'short' }).format(d);
/** Excel has no time zones: a date cell holds the organisation's wall-clock time. */
const wallClock = (d: Date, timezone: string) => new Date(`${localTime(d, timezone).replace(' ', 'T')}:00Z`);

const csvCell = (v: Cell, tz: string) => {
  const s = v === null ? '' : v instanceof Date ? localTime(v, tz) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Streams `rows` as CSV or Excel through `columns`; `name` names the file and the sheet. */
export async function exportRows<R>(reply: FastifyReply, format: ExportFormat, name: string, columns: ExportColumn<R>[], rows: AsyncIterable<R>, ctx: ExportContext): Promise<FastifyReply> {
  const headers = columns.map((c) => renderMessage(ctx.locale, c.header));
  const stamp = ctx.now.toISOString().slice(0, 10);
  const out = new PassThrough();
  if (format === 'csv') {
    void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${name}-${stamp}.csv"`);
    void (async () => {
      try {
        out.write(`\ufeff${headers.map((h) => csvCell(h, ctx.timezone)).join(',')}\r\n`);
        for await (const r of rows) {
          if (!out.write(`${columns.map((c) => csvCell(c.value(r, ctx), ctx.timezone)).join(',')}\r\n`)) await new Promise((res) => out.once('drain', res));
        }
        out.end();
      } catch (err) {
        out.destroy(err as Error);
      }
    })();
    return reply.send(out);
  }
  void reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename="${name}-${stamp}.xlsx"`);
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = book.addWorksheet(name);
  sheet.columns = columns.map((c, i) => ({
    header: headers[i]!,
    key: c.key,
    width: c.width ?? 14,
    ...(c.kind === 'date' ? { style: { numFmt: 'yyyy-mm-dd hh:mm' } } : c.kind === 'number' ? { style: { numFmt: c.numFmt ?? '#,##0.00' } } : {}),
  }));
  void (async () => {
    try {
      for await (const r of rows) {
        const cells: Record<string, Cell> = {};
        for (const c of columns) {
          const v = c.value(r, ctx);
          cells[c.key] = v instanceof Date ? wallClock(v, ctx.timezone) : v;
        }
        sheet.addRow(cells).commit();
      }
      sheet.commit();
      await book.commit();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return reply.send(out);
}
