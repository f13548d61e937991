// Files and images added to a request: invoices, event photos, a plan document. A stored value
// is the list of references the store handed out when the files were received (the id is the
// attachment's random id, never the content hash); the bytes live in the file store. Text
// cannot carry a file, so `read` refuses and says how to add files (in the dialog, or the API).
import { z } from 'zod';
import { t, type Locale } from '../i18n/index.js';
import type { FieldKind } from './kind.js';
import type { AttachmentRules, FieldSpec } from './types.js';

export interface AttachmentRef {
  id: string;
  name: string;
  mime: string;
  size: number;
}

const MB = 1024 * 1024;

/** Type groups an organisation file may name; each is the MIME types file-type reports for it. */
export const TYPE_GROUPS: Readonly<Record<string, readonly string[]>> = {
  image: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif', 'image/bmp', 'image/tiff', 'image/avif'],
  pdf: ['application/pdf'],
  office: [
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    'application/msword',
    'application/vnd.ms-excel',
    'application/vnd.ms-powerpoint',
    'application/x-cfb',
  ],
};

export const DEFAULT_RULES: AttachmentRules = { min: 0, max: 9, types: ['image', 'pdf'], maxFileBytes: 20 * MB, maxTotalBytes: 60 * MB };

/** A field's limits: its declaration over the defaults; a required field takes at least one file. */
export function attachmentRules(spec: Pick<FieldSpec, 'files' | 'required'>): AttachmentRules {
  const r = { ...DEFAULT_RULES, ...spec.files };
  return { ...r, min: Math.max(r.min, spec.required ? 1 : 0) };
}

/** Whether a detected MIME type is one the rules allow. */
export function acceptsType(rules: AttachmentRules, mime: string): boolean {
  return rules.types.some((g) => g === mime || (TYPE_GROUPS[g]?.includes(mime) ?? false));
}

/** The allowed types as people read them ("图片、PDF"). */
export function typesText(rules: AttachmentRules, locale: Locale): string {
  return rules.types.map((g) => (g in TYPE_GROUPS ? t(locale, `field.attachments.group.${g as 'image' | 'pdf' | 'office'}`) : g)).join(t(locale, 'field.attachments.sep'));
}

export const megabytes = (bytes: number): string => String(Math.round((bytes / MB) * 10) / 10);

export const isImage = (mime: string): boolean => mime.startsWith('image/');

/** What ends a dialog's file step. */
const DONE = /^(好了|好|完成|完毕|发完了|就这些|没有了|done|finished|that's all)$/i;

const ref = z.object({ id: z.uuid(), name: z.string().min(1).max(255), mime: z.string().min(1).max(200), size: z.number().int().nonnegative() }).strict();

const names = (value: unknown, locale: Locale): string => (value as AttachmentRef[]).map((f) => f.name).join(t(locale, 'field.attachments.sep'));

/** A file arriving in a dialog while `spec` is asked: the values with it added, or why not. */
export function addFile(spec: FieldSpec, held: unknown, file: AttachmentRef, locale: Locale): { ok: true; files: AttachmentRef[] } | { ok: false; error: string } {
  const files = Array.isArray(held) ? (held as AttachmentRef[]) : [];
  const rules = attachmentRules(spec);
  if (files.some((f) => f.id === file.id)) return { ok: true, files };
  if (files.length >= rules.max) return { ok: false, error: t(locale, 'field.attachments.too_many', { max: String(rules.max) }) };
  if (!acceptsType(rules, file.mime)) return { ok: false, error: t(locale, 'field.attachments.wrong_type', { name: file.name, types: typesText(rules, locale) }) };
  if (files.reduce((n, f) => n + f.size, file.size) > rules.maxTotalBytes) return { ok: false, error: t(locale, 'field.attachments.total_too_big', { mb: megabytes(rules.maxTotalBytes) }) };
  return { ok: true, files: [...files, file] };
}

export const attachments: FieldKind = {
  name: 'attachments',
  schema(spec, locale) {
    const rules = attachmentRules(spec);
    return z
      .array(ref)
      .min(rules.min, { error: () => t(locale, 'field.attachments.too_few', { min: String(rules.min) }) })
      .max(rules.max, { error: () => t(locale, 'field.attachments.too_many', { max: String(rules.max) }) })
      .superRefine((files, ctx) => {
        for (const f of files) {
          if (!acceptsType(rules, f.mime)) ctx.addIssue({ code: 'custom', message: t(locale, 'field.attachments.wrong_type', { name: f.name, types: typesText(rules, locale) }) });
          else if (f.size > rules.maxFileBytes) ctx.addIssue({ code: 'custom', message: t(locale, 'field.attachments.file_too_big', { name: f.name, mb: megabytes(rules.maxFileBytes) }) });
        }
        if (files.reduce((n, f) => n + f.size, 0) > rules.maxTotalBytes) ctx.addIssue({ code: 'custom', message: t(locale, 'field.attachments.total_too_big', { mb: megabytes(rules.maxTotalBytes) }) });
        if (new Set(files.map((f) => f.id)).size !== files.length) ctx.addIssue({ code: 'custom', message: t(locale, 'field.attachments.repeated') });
      });
  },
  read: (_spec, _text, ctx) => ({ ok: false, error: t(ctx.locale, 'field.attachments.not_text'), errorEn: t('en', 'field.attachments.not_text') }),
  format: (_spec, value, ctx) => t(ctx.locale, 'field.attachments.value', { n: String((value as unknown[]).length), names: names(value, ctx.locale) }),
  input: 'text',
  form: false,
  wide: true,
  files: true,
  hint(spec, _def, locale) {
    const rules = attachmentRules(spec);
    return t(locale, 'field.attachments.hint', { types: typesText(rules, locale), max: String(rules.max), mb: megabytes(rules.maxFileBytes) });
  },
  // In a dialog the files arrive as file messages (`attach` in src/bot/dialog/engine.ts); text
  // only ends the step ("好了"), and the files collected so far are then stored.
  answer(spec, raw, ctx) {
    const files = (ctx.values[spec.key] as AttachmentRef[] | undefined) ?? [];
    if (!DONE.test(raw.trim().replace(/[。.!！]+$/, ''))) return { ok: false, error: attachments.hint(spec, ctx.def, ctx.locale) };
    const rules = attachmentRules(spec);
    if (!files.length) return { ok: false, error: t(ctx.locale, 'field.attachments.done_empty') };
    if (files.length < rules.min) return { ok: false, error: t(ctx.locale, 'field.attachments.too_few', { min: String(rules.min) }) };
    return { ok: true, set: { [spec.key]: files }, ack: ctx.saved(spec.key, files) };
  },
  check(spec) {
    const r = { ...DEFAULT_RULES, ...spec.files };
    const unknown = r.types.find((g) => !(g in TYPE_GROUPS) && !/^[a-z]+\/[a-z0-9.+-]+$/.test(g));
    if (unknown) return { path: 'files.types', message: `unknown type "${unknown}"; use image, pdf, office or a MIME type` };
    if (r.min > r.max) return { path: 'files.min', message: 'min is more than max' };
    if (r.maxFileBytes > r.maxTotalBytes) return { path: 'files.maxFileMb', message: 'one file may not be larger than all files together' };
    return undefined;
  },
};
