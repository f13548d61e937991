// The printable archive of a request as one self-contained HTML page: the request, its fields,
// every step and decision (who, when, platform, comment), the record of what happened, and the
// attachments (images embedded as data: URLs, so the page needs nothing else to print). The
// same page is served to browsers and handed to Chromium for the PDF (src/archive/pdf.ts).
import { t, type Locale } from '../core/messages.js';

export interface ArchiveDecision {
  who: string;
  at: string;
  platform: string;
  decision: string;
  comment: string;
}

export interface ArchiveModel {
  locale: Locale;
  organisation: string;
  heading: string;
  status: string;
  facts: Array<{ label: string; value: string }>;
  fields: Array<{ label: string; value: string }>;
  steps: Array<{ name: string; approvers: string; status: string; decisions: ArchiveDecision[] }>;
  records: Array<{ at: string; who: string; platform: string; what: string; comment: string }>;
  files: Array<{ name: string; size: string; type: string; uploader: string; at: string; image?: string }>;
  generatedAt: string;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);

const table = (head: string[], rows: string[][], cls = ''): string =>
  `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;

const CSS = `
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; color: #1f2329; font-size: 12px; line-height: 1.55; margin: 0 auto; max-width: 190mm; padding: 12px; }
header { border-bottom: 2px solid #1f2329; margin-bottom: 12px; padding-bottom: 8px; }
.org { color: #646a73; font-size: 11px; }
h1 { font-size: 18px; margin: 2px 0 4px; }
h2 { font-size: 14px; margin: 18px 0 6px; border-left: 3px solid #3370ff; padding-left: 6px; break-after: avoid; }
.status { display: inline-block; border: 1px solid #3370ff; color: #3370ff; border-radius: 4px; padding: 0 6px; font-size: 11px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0; }
dt { color: #646a73; } dd { margin: 0; white-space: pre-wrap; word-break: break-word; }
table { width: 100%; border-collapse: collapse; margin: 4px 0; }
th, td { border: 1px solid #dee0e3; padding: 4px 6px; text-align: left; vertical-align: top; word-break: break-word; white-space: pre-wrap; }
th { background: #f5f6f7; font-weight: 600; }
tr { break-inside: avoid; }
.step-name { font-weight: 600; margin-top: 8px; }
.muted { color: #8f959e; }
figure { margin: 8px 0; break-inside: avoid; }
figure img { max-width: 100%; max-height: 120mm; border: 1px solid #dee0e3; }
figcaption { color: #646a73; font-size: 11px; }
footer { margin-top: 18px; color: #8f959e; font-size: 10px; border-top: 1px solid #dee0e3; padding-top: 6px; }
@media screen { body { padding: 24px 16px; } .print-hint { color: #3370ff; } }
@media print { .print-hint { display: none; } }
`;

export function archivePage(m: ArchiveModel): string {
  const w = (key: Parameters<typeof t>[1] & `archive.${string}`) => esc(t(m.locale, key));
  const dl = (items: Array<{ label: string; value: string }>) => `<dl>${items.map((i) => `<dt>${esc(i.label)}</dt><dd>${esc(i.value)}</dd>`).join('')}</dl>`;
  const steps = m.steps
    .map((s) => {
      const head = `<div class="step-name">${esc(s.name)} <span class="muted">· ${esc(s.approvers)} · ${esc(s.status)}</span></div>`;
      const rows = s.decisions.map((d) => [d.who, d.decision, d.at, d.platform, d.comment]);
      return head + (rows.length ? table([t(m.locale, 'archive.col.who'), t(m.locale, 'archive.col.decision'), t(m.locale, 'archive.col.at'), t(m.locale, 'archive.col.platform'), t(m.locale, 'archive.col.comment')], rows, 'decisions') : `<div class="muted">${w('archive.no_decision')}</div>`);
    })
    .join('');
  const records = table(
    [t(m.locale, 'archive.col.at'), t(m.locale, 'archive.col.who'), t(m.locale, 'archive.col.platform'), t(m.locale, 'archive.col.action'), t(m.locale, 'archive.col.comment')],
    m.records.map((r) => [r.at, r.who, r.platform, r.what, r.comment]),
    'records',
  );
  const files = m.files.length
    ? table(
        [t(m.locale, 'archive.col.file'), t(m.locale, 'archive.col.type'), t(m.locale, 'archive.col.size'), t(m.locale, 'archive.col.uploader'), t(m.locale, 'archive.col.at')],
        m.files.map((f) => [f.name, f.type, f.size, f.uploader, f.at]),
        'files',
      ) +
      m.files
        .filter((f) => f.image)
        .map((f) => `<figure><img src="${esc(f.image!)}" alt="${esc(f.name)}"><figcaption>${esc(f.name)}</figcaption></figure>`)
        .join('')
    : `<div class="muted">${w('archive.no_files')}</div>`;
  return `<!doctype html>
<html lang="${m.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(m.heading)}</title><style>${CSS}</style></head>
<body>
<header><div class="org">${esc(m.organisation)} · ${w('archive.title')}</div><h1>${esc(m.heading)}</h1><span class="status" data-testid="archive-status">${esc(m.status)}</span> <span class="print-hint">${w('archive.print_hint')}</span></header>
<section>${dl(m.facts)}</section>
<h2>${w('archive.fields')}</h2><section>${dl(m.fields)}</section>
<h2>${w('archive.steps')}</h2><section>${steps}</section>
<h2>${w('archive.records')}</h2><section>${records}</section>
<h2>${w('archive.files')}</h2><section>${files}</section>
<footer>${esc(t(m.locale, 'archive.generated', { at: m.generatedAt }))}</footer>
</body></html>`;
}
