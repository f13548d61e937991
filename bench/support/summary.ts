// The one table `npm run bench` ends with: each benchmark records its headline figures here
// (figure, target, measured, ratio) and bench/run.ts prints them once every benchmark has run.
export interface SummaryRow {
  figure: string;
  target: string;
  measured: string;
  /** measured ÷ its baseline or target, as the row says ("1.12× SDK"). */
  ratio: string;
  met?: boolean;
}

const KEY = Symbol.for('qianpi.bench.summary');
const rows = ((globalThis as Record<symbol, unknown>)[KEY] ??= []) as SummaryRow[];

export function record(row: SummaryRow): void {
  rows.push(row);
}

export function summaryTable(): string {
  const head: SummaryRow = { figure: 'figure', target: 'target', measured: 'measured', ratio: 'ratio' };
  const cells = (r: SummaryRow) => [r.figure, r.target, r.measured, r.ratio, r === head ? 'met' : r.met === undefined ? '' : r.met ? 'yes' : 'NO'];
  const all = [head, ...rows].map(cells);
  const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(all[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}
