// Attachments: receiving a file for a request type's attachments field (limits of the field,
// type by the bytes), handing out references, binding them to the request in the submission's
// transaction (the approvals service's onTransition hook) and serving them through signed,
// expiring links bound to one person who may see the request.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { acceptsType, attachmentRules, fieldKind, megabytes, typesText, type AttachmentRef } from '../core/fields/index.js';
import { involved } from '../core/followers.js';
import { t, type Locale } from '../core/messages.js';
import type { AuditEntry, Origin, TransitionOk } from '../core/model.js';
import type { FieldSpec, RequestTypeDef } from '../core/request-types.js';
import type { Directory } from '../org/directory.js';
import type { DbOrTx } from '../store/db.js';
import { addAttachment, attachmentById, attachmentsByIds, attachmentsOf, claimAttachments, type AttachmentRow, type FileStore } from '../store/files-repo.js';
import { loadRequest, writeAudit } from '../store/requests-repo.js';

export interface AttachmentsDeps {
  db: DbOrTx;
  files: FileStore;
  dir: Directory;
  locale: Locale;
  now: () => Date;
  /** The HMAC key of file links (FILE_LINK_SECRET, or one shared through Redis). */
  secret: () => Promise<string>;
  /** How long a file link works. */
  linkTtlMs?: number;
}

export type ReceiveResult = { ok: true; ref: AttachmentRef } | { ok: false; status: 404 | 413 | 415 | 422; message: string };

/** A file link's parts: who it is for, until when, and the signature over both and the file. */
export interface FileLink {
  attachmentId: string;
  personId: string;
  expires: number;
  sig: string;
}

export const LINK_TTL_MS = 24 * 3600_000;

/** The fields of a payload that hold attachments, with their references. */
export function attachmentValues(def: RequestTypeDef, payload: Readonly<Record<string, unknown>>): Array<{ spec: FieldSpec; refs: AttachmentRef[] }> {
  return def.fields.filter((f) => fieldKind(f.kind).files && Array.isArray(payload[f.key])).map((spec) => ({ spec, refs: payload[spec.key] as AttachmentRef[] }));
}

/** A submission referred to files it may not take (not the applicant's, or another request's). */
export class AttachmentClaimError extends Error {
  readonly statusCode = 422;
  constructor(readonly ids: string[]) {
    super(`attachments not available: ${ids.join(', ')}`);
    this.name = 'AttachmentClaimError';
  }
}

export function createAttachments(deps: AttachmentsDeps) {
  const { db, dir, locale } = deps;
  const ttl = deps.linkTtlMs ?? LINK_TTL_MS;
  const toRef = (a: Pick<AttachmentRow, 'id' | 'name' | 'mime' | 'size'>): AttachmentRef => ({ id: a.id, name: a.name, mime: a.mime, size: a.size });

  /** The attachments field `field` of request type `type`, or why there is none. */
  function fieldOf(type: string, field: string): { def: RequestTypeDef; spec: FieldSpec } | { error: string } {
    const def = dir.requestType(type);
    if (!def) return { error: t(locale, 'refuse.unknown_type', { type }) };
    const spec = def.fields.find((f) => f.key === field);
    if (!spec || !fieldKind(spec.kind).files) return { error: t(locale, 'field.attachments.not_files_field', { field }) };
    return { def, spec };
  }

  /**
   * Receive one file for a field: stored only if its bytes are of an allowed type and within the
   * per-file limit (refused with a Chinese message and nothing stored otherwise).
   */
  async function receive(input: { type: string; field: string; uploader: string; platform: Origin; name: string; bytes: AsyncIterable<Uint8Array> }): Promise<ReceiveResult> {
    const f = fieldOf(input.type, input.field);
    if ('error' in f) return { ok: false, status: 404, message: f.error };
    const rules = attachmentRules(f.spec);
    const name = cleanName(input.name);
    const put = await deps.files.put(input.bytes, { maxBytes: rules.maxFileBytes, accepts: (mime) => acceptsType(rules, mime) });
    if (!put.ok) {
      if (put.reason === 'too_big') return { ok: false, status: 413, message: t(locale, 'field.attachments.file_too_big', { name, mb: megabytes(rules.maxFileBytes) }) };
      if (put.reason === 'empty') return { ok: false, status: 422, message: t(locale, 'field.attachments.empty', { name }) };
      return { ok: false, status: 415, message: t(locale, 'field.attachments.wrong_type', { name, types: typesText(rules, locale) }) };
    }
    const id = await addAttachment(db, { fileId: put.file.id, name, uploader: input.uploader, platform: input.platform });
    return { ok: true, ref: { id, name, mime: put.file.mime, size: put.file.size } };
  }

  /**
   * References by id, for a submission by `uploader` (the API's `files`): each must be theirs and
   * not taken by another request (`requestId`: the request being resubmitted may keep its own).
   */
  async function refsFor(uploader: string, ids: readonly string[], requestId?: string): Promise<{ ok: true; refs: AttachmentRef[] } | { ok: false; message: string }> {
    const rows = new Map((await attachmentsByIds(db, ids)).map((r) => [r.id, r]));
    for (const id of ids) {
      const r = rows.get(id);
      const usable = r && (r.requestId ? r.requestId === requestId : r.uploader === uploader);
      if (!usable) return { ok: false, message: t(locale, 'field.attachments.unknown_ref', { id }) };
    }
    return { ok: true, refs: ids.map((id) => toRef(rows.get(id)!)) };
  }

  /**
   * The approvals hook: a submission or resubmission takes the files its payload refers to, in
   * its transaction, with an audit entry per field saying who added what. A file it may not take
   * rolls the submission back.
   */
  async function onTransition(tx: DbOrTx, tr: TransitionOk): Promise<void> {
    const s = tr.state;
    if (!tr.audit.some((a) => a.action === 'submitted' || a.action === 'resubmitted')) return;
    const def = dir.requestType(s.type);
    if (!def) return;
    const wanted = attachmentValues(def, s.payload).flatMap(({ spec, refs }) => refs.map((r) => ({ id: r.id, field: spec.key })));
    if (!wanted.length) return;
    const { claimed, already } = await claimAttachments(tx, s.id, s.applicantId, wanted);
    const missing = wanted.filter((w) => !claimed.includes(w.id) && !already.includes(w.id)).map((w) => w.id);
    if (missing.length) throw new AttachmentClaimError(missing);
    const platform = tr.audit.find((a) => a.action === 'submitted' || a.action === 'resubmitted')?.platform ?? null;
    const entries: AuditEntry[] = attachmentValues(def, s.payload).flatMap(({ spec, refs }) => {
      const added = refs.filter((r) => claimed.includes(r.id));
      return added.length ? [{ action: 'attachments_added', actorId: s.applicantId, platform, detail: { field: spec.key, files: added.map((r) => ({ id: r.id, name: r.name })) } }] : [];
    });
    await writeAudit(tx, s.id, entries);
  }

  // ---- Links

  const sign = async (attachmentId: string, personId: string, expires: number) =>
    createHmac('sha256', await deps.secret()).update(`${attachmentId}\n${personId}\n${expires}`).digest('base64url');

  /** A link for `personId` to one attachment, valid for the TTL. */
  async function link(attachmentId: string, personId: string): Promise<FileLink> {
    const expires = deps.now().getTime() + ttl;
    return { attachmentId, personId, expires, sig: await sign(attachmentId, personId, expires) };
  }

  const linkPath = (l: FileLink): string => `/files/${l.attachmentId}?p=${encodeURIComponent(l.personId)}&e=${l.expires}&s=${l.sig}`;

  /**
   * The attachment a link opens, or undefined: a wrong signature, a link past its expiry, a file
   * not bound to a request, or a person who may not see that request (`involved`).
   */
  async function open(l: FileLink): Promise<AttachmentRow | undefined> {
    const want = Buffer.from(await sign(l.attachmentId, l.personId, l.expires));
    const got = Buffer.from(l.sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    if (!(l.expires > deps.now().getTime())) return undefined;
    const a = await attachmentById(db, l.attachmentId);
    if (!a) return undefined;
    if (!a.requestId) return a.uploader === l.personId ? a : undefined;
    const s = await loadRequest(db, a.requestId);
    return s && involved(s, l.personId, dir) ? a : undefined;
  }

  /**
   * Whether a link's signature and expiry hold (any subject signed with `link`, e.g. a request's
   * printable archive as `archive:<id>`); who may see the subject is the caller's check.
   */
  async function verify(l: FileLink): Promise<boolean> {
    const want = Buffer.from(await sign(l.attachmentId, l.personId, l.expires));
    const got = Buffer.from(l.sig);
    return want.length === got.length && timingSafeEqual(want, got) && l.expires > deps.now().getTime();
  }

  /** A request's attachments with links for `personId`, or undefined when they may not see the request. */
  async function listFor(requestId: string, personId: string): Promise<Array<AttachmentRow & { url: string }> | undefined> {
    const s = await loadRequest(db, requestId);
    if (!s || !involved(s, personId, dir)) return undefined;
    const rows = await attachmentsOf(db, requestId);
    return Promise.all(rows.map(async (r) => ({ ...r, url: linkPath(await link(r.id, personId)) })));
  }

  return { receive, refsFor, onTransition, link, linkPath, verify, open, listFor, rowsOf: (requestId: string) => attachmentsOf(db, requestId), read: (fileId: string) => deps.files.read(fileId), fieldOf };
}

export type Attachments = ReturnType<typeof createAttachments>;

/** A file name as shown: no path, no control characters, at most 120 characters. */
export function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'file').slice(0, 120);
}
