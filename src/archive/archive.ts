// The printable archive of a request (issue 18): gathers the request, the event it follows up,
// its audit record and its attachments into the page model (src/archive/page.ts), and renders
// the page to PDF with Chromium on demand (nothing is stored). Access is the caller's: the
// routes check that the reader may see the request (`involved`, like file links).
import { spendLine } from '../../cards/approval.js';
import { describeEntry, type EntryContext } from '../bot/commands/timeline.js';
import { fieldLabel, formatDateTime, isImage, megabytes, showValue, typeName } from '../core/fields/index.js';
import { involved } from '../core/followers.js';
import { isMessageKey, t, tAny, type Locale } from '../core/messages.js';
import { decisionKind, type RequestState } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Attachments } from '../services/attachments.js';
import type { RequestReads } from '../store/requests-repo.js';
import { archivePage, type ArchiveModel } from './page.js';
import type { PdfRenderer } from './pdf.js';

export interface ArchiveDeps {
  requests: Pick<RequestReads, 'load' | 'byNumber' | 'timeline'>;
  attachments: Pick<Attachments, 'rowsOf' | 'read' | 'link' | 'verify'>;
  dir: Directory;
  locale: Locale;
  now: () => Date;
  /** Absent where no Chromium is installed: the PDF is then unavailable (the page still works). */
  renderer: PdfRenderer | undefined;
}

/** Images embedded in one archive, at most (larger sets are listed by name only past this). */
const EMBED_BYTES = 40 * 1024 * 1024;

const str = (v: unknown) => (typeof v === 'string' ? v : '');

export function createArchive(deps: ArchiveDeps) {
  const { dir, locale } = deps;
  const at = (d: Date | string) => formatDateTime(d, dir.timezone);
  const platform = (p: string | null) => (p && isMessageKey(`archive.platform.${p}`) ? tAny(locale, `archive.platform.${p}`) : (p ?? ''));
  const entryCtx: EntryContext = { dir, locale, text: (key, ...params) => t(locale, key, ...params), list: (items) => items.join(t(locale, 'list.separator')) };

  /** The request by id, or by number (E-12) when `isNumber`, or undefined. */
  async function find(ref: string, isNumber: boolean): Promise<RequestState | undefined> {
    const s = isNumber ? await deps.requests.byNumber(ref) : await deps.requests.load(ref);
    return s ?? undefined;
  }

  const mayView = (s: RequestState, personId: string) => involved(s, personId, dir);

  async function dataUrl(fileId: string, mime: string): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of deps.attachments.read(fileId)) parts.push(Buffer.from(chunk));
    return `data:${mime};base64,${Buffer.concat(parts).toString('base64')}`;
  }

  async function model(s: RequestState): Promise<ArchiveModel> {
    const def = dir.requestType(s.type);
    const parent = s.parentId ? await deps.requests.load(s.parentId) : undefined;
    const showCtx = { locale, timezone: dir.timezone, personName: (id: string) => dir.personName(id), deptName: (id: string) => dir.departments.get(id)?.name ?? id };
    const fields = (def?.fields ?? []).flatMap((f) => (s.payload[f.key] === undefined ? [] : [{ label: fieldLabel(f, locale), value: showValue(f, s.payload[f.key], showCtx) }]));
    const spend = spendLine(parent ?? undefined, s, locale);
    if (spend) fields.push({ label: t(locale, 'approval.spend'), value: spend });
    const timeline = await deps.requests.timeline(s.id);
    const records = timeline.flatMap((e) => {
      const d = (e.detail ?? {}) as Record<string, unknown>;
      const who = e.actorId ? dir.personName(e.actorId) : t(locale, 'commands.timeline.system');
      const what =
        e.action === 'attachments_added'
          ? t(locale, 'archive.files_added', { who, names: ((d.files as Array<{ name: string }> | undefined) ?? []).map((f) => f.name).join(t(locale, 'list.separator')) })
          : describeEntry(entryCtx, { ...e, detail: d });
      if (!what) return [];
      return [{ at: at(e.at), who, platform: platform(e.platform), what, comment: str(d.comment) || str(d.reason) || str(d.text) }];
    });
    const steps = s.steps.map((st) => ({
      name: st.name,
      approvers: st.approvers.map((p) => dir.personName(p)).join(t(locale, 'list.separator')) || '—',
      status: t(locale, `sim.step.${st.status}`),
      decisions: st.decisions.map((d) => ({
        who: d.delegateId ? t(locale, 'delegation.acting_for', { delegate: dir.personName(d.delegateId), principal: dir.personName(d.personId) }) : dir.personName(d.personId),
        at: at(d.at),
        platform: platform(d.platform),
        decision: t(locale, `archive.decision.${decisionKind(d.decision, st.kind)}`),
        comment: d.comment ?? '',
      })),
    }));
    let budget = EMBED_BYTES;
    const files: ArchiveModel['files'] = [];
    for (const a of await deps.attachments.rowsOf(s.id)) {
      const embed = isImage(a.mime) && a.size <= budget;
      if (embed) budget -= a.size;
      files.push({ name: a.name, type: a.mime, size: a.size < 1024 * 1024 ? `${Math.max(1, Math.round(a.size / 1024))} KB` : `${megabytes(a.size)} MB`, uploader: dir.personName(a.uploader), at: at(a.addedAt), ...(embed ? { image: await dataUrl(a.fileId, a.mime) } : {}) });
    }
    return {
      locale,
      organisation: dir.org.organisation.name,
      heading: `${s.number} ${s.title}`,
      status: t(locale, `status.${s.status}`),
      facts: [
        { label: t(locale, 'archive.fact.number'), value: s.number },
        { label: t(locale, 'archive.fact.type'), value: def ? typeName(def, locale) : s.type },
        { label: t(locale, 'archive.fact.applicant'), value: t(locale, 'approval.applicant_value', { name: dir.personName(s.applicantId), dept: showCtx.deptName(s.deptId) }) },
        { label: t(locale, 'archive.fact.submitted'), value: at(s.createdAt) },
        { label: t(locale, 'archive.fact.updated'), value: at(s.updatedAt) },
      ],
      fields,
      steps,
      records,
      files,
      generatedAt: at(deps.now()),
    };
  }

  const html = async (s: RequestState) => archivePage(await model(s));

  /** A link for `personId` to the archive page (`/archive/<id>?…`; add `/pdf` before `?` for the PDF). */
  async function links(s: RequestState, personId: string): Promise<{ html: string; pdf: string }> {
    const l = await deps.attachments.link(`archive:${s.id}`, personId);
    const q = `?p=${encodeURIComponent(personId)}&e=${l.expires}&s=${l.sig}`;
    return { html: `/archive/${s.id}${q}`, pdf: `/archive/${s.id}/pdf${q}` };
  }

  /** The request a signed archive link opens, or undefined (bad signature, expired, not theirs to see). */
  async function opened(requestId: string, link: { p: string; e: number; s: string }): Promise<RequestState | undefined> {
    if (!(await deps.attachments.verify({ attachmentId: `archive:${requestId}`, personId: link.p, expires: link.e, sig: link.s }))) return undefined;
    const s = await deps.requests.load(requestId);
    return s && mayView(s, link.p) ? s : undefined;
  }

  return {
    find,
    mayView,
    html,
    links,
    opened,
    /** Whether PDFs can be made here (a Chromium was found). */
    canPrint: () => !!deps.renderer,
    pdf: async (s: RequestState) => {
      if (!deps.renderer) throw new Error('no Chromium');
      return deps.renderer.pdf(await html(s));
    },
  };
}

export type Archive = ReturnType<typeof createArchive>;
