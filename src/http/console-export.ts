// Exports of the console's filtered request list: Excel (exceljs' streaming writer, so a large
// export never sits in memory; dates as dates, money as numbers) and CSV (UTF-8 with a BOM, so
// Excel opens Chinese text correctly). Headers in the organisation's language.
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import type { FastifyReply } from 'fastify';
import { t, tAny, type Locale } from '../core/i18n/index.js';
import type { Directory } from '../org/directory.js';
import type { ConsoleRow } from '../store/console-repo.js';

export type ExportFormat = 'csv' | 'xlsx';

interface ExportContext {
  dir: Directory;
  locale: Locale;
  timezone: string;
  now: Date;
}

const COLUMNS = ['number', 'type', 'title', 'status', 'applicant', 'dept', 'created', 'step', 'waiting', 'due', 'overdue', 'amount'] as const;
type Column = (typeof COLUMNS)[number];

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

function values(r: ConsoleRow, ctx: ExportContext): Record<Column, string | number | Date | null> {
  const { dir, locale } = ctx;
  const open = r.status === 'pending' || r.status === 'consulting';
  return {
    number: r.number,
    type: dir.requestType(r.type)?.name ?? r.type,
    title: r.title,
    status: tAny(locale, `status.${r.status}`),
    applicant: dir.personName(r.applicantId),
    dept: dir.departments.get(r.deptId)?.name ?? r.deptId,
    created: r.createdAt,
    step: r.stepName,
    waiting: (r.waitingOn ?? []).map((id) => dir.personName(id)).join(t(locale, 'console.list_separator')),
    due: r.dueAt,
    overdue: t(locale, open && !!r.dueAt && r.dueAt < ctx.now ? 'console.yes' : 'console.no'),
    amount: amountOf(r, dir),
  };
}

/** A date as the organisation reads it, for CSV (YYYY-MM-DD HH:mm). */
const localTime = (d: Date, timezone: string) => new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'short' }).format(d);
/** Excel has no time zones: a date cell holds the organisation's wall-clock time. */
const wallClock = (d: Date, timezone: string) => new Date(`${localTime(d, timezone).replace(' ', 'T')}:00Z`);

const csvCell = (v: string | number | Date | null, tz: string) => {
  const s = v === null ? '' : v instanceof Date ? localTime(v, tz) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export async function exportRows(reply: FastifyReply, format: ExportFormat, rows: AsyncIterable<ConsoleRow>, ctx: ExportContext): Promise<FastifyReply> {
  const headers = COLUMNS.map((c) => t(ctx.locale, `console.col.${c}`));
  const stamp = ctx.now.toISOString().slice(0, 10);
  const out = new PassThrough();
  if (format === 'csv') {
    void reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="requests-${stamp}.csv"`);
    void (async () => {
      try {
        out.write(`\ufeff${headers.map((h) => csvCell(h, ctx.timezone)).join(',')}\r\n`);
        for await (const r of rows) {
          const v = values(r, ctx);
          if (!out.write(`${COLUMNS.map((c) => csvCell(v[c], ctx.timezone)).join(',')}\r\n`)) await new Promise((res) => out.once('drain', res));
        }
        out.end();
      } catch (err) {
        out.destroy(err as Error);
      }
    })();
    return reply.send(out);
  }
  void reply.type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet').header('content-disposition', `attachment; filename="requests-${stamp}.xlsx"`);
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = book.addWorksheet('requests');
  sheet.columns = COLUMNS.map((c, i) => ({
    header: headers[i]!,
    key: c,
    width: c === 'title' ? 36 : c === 'waiting' ? 20 : 14,
    ...(c === 'created' || c === 'due' ? { style: { numFmt: 'yyyy-mm-dd hh:mm' } } : c === 'amount' ? { style: { numFmt: '#,##0.00' } } : {}),
  }));
  void (async () => {
    try {
      for await (const r of rows) {
        const v = values(r, ctx);
        sheet.addRow({ ...v, created: wallClock(r.createdAt, ctx.timezone), due: r.dueAt ? wallClock(r.dueAt, ctx.timezone) : null }).commit();
      }
      sheet.commit();
      await book.commit();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return reply.send(out);
}
