// Files in Postgres, behind one interface (`FileStore`) so an object-store driver can replace it.
// Bytes arrive as a stream and are written in chunk rows as they come, never held whole: the
// type is sniffed from the first bytes (file-type, not the name) and the size bounded before
// any chunk is written past the limit; a refused or failed upload leaves nothing behind. A
// complete file is keyed by its sha256, so the same bytes are stored once. No transaction spans
// an upload (PGlite has one connection): a file being written is a row with `complete = false`,
// deleted on failure and pruned if a crash left it (`pruneIncompleteFiles`).
import { createHash, randomUUID } from 'node:crypto';
import { and, asc, eq, gte, inArray, isNull, lt } from 'drizzle-orm';
import { fileTypeFromBuffer } from 'file-type';
import type { DbOrTx } from './db.js';
import { attachments, fileChunks, files } from './schema.js';

export interface StoredFile {
  id: string;
  sha256: string;
  size: number;
  mime: string;
}

/** What a put accepts: the most bytes, and which sniffed MIME types. */
export interface AcceptRule {
  maxBytes: number;
  accepts(mime: string): boolean;
}

export type PutResult = { ok: true; file: StoredFile; deduplicated: boolean } | { ok: false; reason: 'too_big' | 'wrong_type' | 'empty'; mime?: string };

export interface FileStore {
  /** Receive one file's bytes (consumed until done or refused). */
  put(source: AsyncIterable<Uint8Array>, rule: AcceptRule): Promise<PutResult>;
  /** A complete file's bytes, in order, a few chunks at a time. */
  read(fileId: string): AsyncIterable<Buffer>;
  stat(fileId: string): Promise<StoredFile | undefined>;
}

/** Bytes file-type needs to recognise every format it knows. */
const SNIFF_BYTES = 4100;
export const CHUNK_BYTES = 256 * 1024;
/** An unrecognised content (plain text, or bytes we cannot name). */
export const UNKNOWN_MIME = 'application/octet-stream';

class Refused extends Error {
  constructor(
    readonly reason: 'too_big' | 'wrong_type' | 'empty',
    readonly mime?: string,
  ) {
    super(reason);
  }
}

const isUniqueViolation = (err: unknown): boolean => {
  for (let e = err, d = 0; e && typeof e === 'object' && d < 5; e = (e as { cause?: unknown }).cause, d++) if ((e as { code?: unknown }).code === '23505') return true;
  return false;
};

export function postgresFileStore(db: DbOrTx, chunkBytes = CHUNK_BYTES): FileStore {
  async function put(source: AsyncIterable<Uint8Array>, rule: AcceptRule): Promise<PutResult> {
    const hash = createHash('sha256');
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let seq = 0;
    let mime: string | undefined;
    let id: string | undefined;

    const sniff = async () => {
      const head = Buffer.concat(pending);
      mime = (await fileTypeFromBuffer(head))?.mime ?? UNKNOWN_MIME;
      if (!rule.accepts(mime)) throw new Refused('wrong_type', mime);
    };
    const flush = async (all: boolean) => {
      let buf = Buffer.concat(pending);
      while (buf.length >= chunkBytes || (all && buf.length > 0)) {
        const part = buf.subarray(0, chunkBytes);
        buf = buf.subarray(part.length);
        if (!id) {
          id = randomUUID();
          await db.insert(files).values({ id, mime: mime!, size: 0, complete: false });
        }
        await db.insert(fileChunks).values({ fileId: id, seq: seq++, data: Buffer.from(part) });
      }
      pending = buf.length ? [buf] : [];
      pendingBytes = buf.length;
    };

    try {
      for await (const piece of source) {
        size += piece.length;
        if (size > rule.maxBytes) throw new Refused('too_big', mime);
        hash.update(piece);
        pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
        pendingBytes += piece.length;
        if (!mime && pendingBytes >= SNIFF_BYTES) await sniff();
        if (mime && pendingBytes >= chunkBytes) await flush(false);
      }
      if (size === 0) throw new Refused('empty');
      if (!mime) await sniff();
      const sha256 = hash.digest('hex');
      // Already stored: nothing more is written, and what this upload wrote goes.
      const existing = await completeBySha(sha256);
      if (existing) {
        if (id) await db.delete(files).where(eq(files.id, id));
        return { ok: true, file: existing, deduplicated: true };
      }
      await flush(true);
      try {
        await db.update(files).set({ sha256, size, complete: true }).where(eq(files.id, id!));
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // The same bytes finished a moment ago in another upload: keep that one.
        await db.delete(files).where(eq(files.id, id!));
        const won = await completeBySha(sha256);
        if (!won) throw err;
        return { ok: true, file: won, deduplicated: true };
      }
      return { ok: true, file: { id: id!, sha256, size, mime: mime! }, deduplicated: false };
    } catch (err) {
      if (id) await db.delete(files).where(eq(files.id, id)).catch(() => undefined);
      if (err instanceof Refused) return { ok: false, reason: err.reason, ...(err.mime ? { mime: err.mime } : {}) };
      throw err;
    }
  }

  async function completeBySha(sha256: string): Promise<StoredFile | undefined> {
    const [row] = await db.select().from(files).where(and(eq(files.sha256, sha256), eq(files.complete, true)));
    return row ? { id: row.id, sha256, size: row.size, mime: row.mime } : undefined;
  }

  async function* read(fileId: string): AsyncIterable<Buffer> {
    for (let next = 0; ; ) {
      const rows = await db
        .select({ seq: fileChunks.seq, data: fileChunks.data })
        .from(fileChunks)
        .where(and(eq(fileChunks.fileId, fileId), gte(fileChunks.seq, next)))
        .orderBy(asc(fileChunks.seq))
        .limit(4);
      for (const r of rows) yield r.data;
      if (rows.length < 4) return;
      next = rows[rows.length - 1]!.seq + 1;
    }
  }

  async function stat(fileId: string): Promise<StoredFile | undefined> {
    const [row] = await db.select().from(files).where(and(eq(files.id, fileId), eq(files.complete, true)));
    return row?.sha256 ? { id: row.id, sha256: row.sha256, size: row.size, mime: row.mime } : undefined;
  }

  return { put, read, stat };
}

/** Delete files a crashed upload left incomplete (older than `olderThanMs`); returns how many. */
export async function pruneIncompleteFiles(db: DbOrTx, now: Date, olderThanMs = 3600_000): Promise<number> {
  const rows = await db
    .delete(files)
    .where(and(eq(files.complete, false), lt(files.createdAt, new Date(now.getTime() - olderThanMs))))
    .returning({ id: files.id });
  return rows.length;
}

// ---- Attachments: a stored file as someone added it, and the request that took it.

export interface AttachmentRow {
  id: string;
  fileId: string;
  name: string;
  mime: string;
  size: number;
  uploader: string;
  platform: string;
  requestId: string | null;
  field: string | null;
  addedAt: Date;
}

const attachmentColumns = {
  id: attachments.id,
  fileId: attachments.fileId,
  name: attachments.name,
  mime: files.mime,
  size: files.size,
  uploader: attachments.uploader,
  platform: attachments.platform,
  requestId: attachments.requestId,
  field: attachments.field,
  addedAt: attachments.addedAt,
};

export async function addAttachment(db: DbOrTx, a: { fileId: string; name: string; uploader: string; platform: string }): Promise<string> {
  const id = randomUUID();
  await db.insert(attachments).values({ id, ...a });
  return id;
}

export async function attachmentsByIds(db: DbOrTx, ids: readonly string[]): Promise<AttachmentRow[]> {
  if (!ids.length) return [];
  return db.select(attachmentColumns).from(attachments).innerJoin(files, eq(files.id, attachments.fileId)).where(inArray(attachments.id, [...ids]));
}

export async function attachmentById(db: DbOrTx, id: string): Promise<AttachmentRow | undefined> {
  return (await attachmentsByIds(db, [id]))[0];
}

export async function attachmentsOf(db: DbOrTx, requestId: string): Promise<AttachmentRow[]> {
  return db
    .select(attachmentColumns)
    .from(attachments)
    .innerJoin(files, eq(files.id, attachments.fileId))
    .where(eq(attachments.requestId, requestId))
    .orderBy(asc(attachments.addedAt), asc(attachments.id));
}

/**
 * A submission takes its files: each attachment (uploaded by the applicant, not taken by another
 * request) is bound to the request and field. Returns the ids newly bound; an id it could not
 * take is left out (the caller refuses the submission).
 */
export async function claimAttachments(tx: DbOrTx, requestId: string, uploader: string, refs: ReadonlyArray<{ id: string; field: string }>): Promise<{ claimed: string[]; already: string[] }> {
  const claimed: string[] = [];
  const already: string[] = [];
  for (const r of refs) {
    const rows = await tx
      .update(attachments)
      .set({ requestId, field: r.field })
      .where(and(eq(attachments.id, r.id), eq(attachments.uploader, uploader), isNull(attachments.requestId)))
      .returning({ id: attachments.id });
    if (rows.length) {
      claimed.push(r.id);
      continue;
    }
    // Kept from an earlier round of the same request (a resubmission): moved to this field.
    const kept = await tx
      .update(attachments)
      .set({ field: r.field })
      .where(and(eq(attachments.id, r.id), eq(attachments.requestId, requestId)))
      .returning({ id: attachments.id });
    if (kept.length) already.push(r.id);
  }
  return { claimed, already };
}
