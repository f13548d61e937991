// Files over HTTP: the integration API's multipart upload (behind the admin token; open in
// simulator mode, like the read API), a request's attachments with signed links for one person,
// and the signed link itself (`/files/:id?p=…&e=…&s=…`: the link is the credential, so it is
// bound to a person, expires, and is refused to anyone who may not see the request).
import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { attachmentRules } from '../core/fields/index.js';
import { t, type Locale } from '../core/messages.js';
import type { Attachments } from '../services/attachments.js';
import { requireAdmin } from './admin-routes.js';
import { errorReplies, refId, text, zodScope } from './schemas.js';

export interface AttachmentRouteDeps {
  attachments: Attachments;
  token: string | undefined;
  /** Simulator mode: the upload and the listing are open (anyone may act as anyone there). */
  open: boolean;
  locale: Locale;
}

/** The largest file any field may declare (the organisation file's maxFileMb bound). */
const MAX_FILE_BYTES = 200 * 1024 * 1024;

export const attachmentRef = z.object({ id: z.uuid(), name: z.string(), mime: z.string(), size: z.number().int() });

const uploadQuery = z.object({
  type: text(64).pipe(z.string().min(1)).describe('The request type'),
  field: text(64).pipe(z.string().min(1)).describe('Its attachments field'),
  uploaderId: refId.describe('Who adds the files (the applicant who will refer to them)'),
});

const linkQuery = z.object({ p: refId, e: z.coerce.number().int(), s: z.string().min(1).max(100) });

/** `inline` for what a browser shows safely (images, PDF), otherwise a download; the name in UTF-8. */
function disposition(mime: string, name: string): string {
  const kind = mime.startsWith('image/') || mime === 'application/pdf' ? 'inline' : 'attachment';
  return `${kind}; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // discarded
  }
}

export function attachmentRoutes(app: FastifyInstance, deps: AttachmentRouteDeps): void {
  const { attachments, locale } = deps;

  void app.register(async (scope) => {
    if (!deps.open) scope.addHook('onRequest', requireAdmin(deps.token));
    await scope.register(multipart, { limits: { fileSize: MAX_FILE_BYTES, files: 50, fields: 10, parts: 60 } });
    const api = zodScope(scope);

    api.post('/api/files', {
      schema: {
        summary: 'Upload files (multipart/form-data, one part per file) for a request type\'s attachments field; answers references to put in a submission\'s `files`',
        querystring: uploadQuery,
        response: { 201: z.object({ files: z.array(attachmentRef) }), 413: z.object({ error: z.string() }), 415: z.object({ error: z.string() }), ...errorReplies },
      },
    }, async (req, reply) => {
      const { type, field, uploaderId } = req.query;
      const f = attachments.fieldOf(type, field);
      if ('error' in f) return reply.code(404).send({ error: f.error });
      if (!req.isMultipart()) return reply.code(415).send({ error: 'send multipart/form-data with one part per file' });
      const rules = attachmentRules(f.spec);
      const refs: z.infer<typeof attachmentRef>[] = [];
      // Each file is stored as it streams in; the busboy limit ends a part just past the field's bound.
      for await (const part of req.files({ limits: { fileSize: rules.maxFileBytes + 1, files: rules.max + 1 } })) {
        if (refs.length >= rules.max) {
          await drain(part.file);
          return reply.code(422).send({ error: t(locale, 'field.attachments.too_many', { max: String(rules.max) }) });
        }
        // Not destroyed when the store stops reading: busboy waits for every part to be read.
        const got = await attachments.receive({ type, field, uploader: uploaderId, platform: 'api', name: part.filename, bytes: part.file.iterator({ destroyOnReturn: false }) });
        if (!got.ok) {
          await drain(part.file); // what the refusal left unread (bounded by the part limit)
          req.log.info({ type, field, status: got.status }, 'upload refused');
          return reply.code(got.status).send({ error: got.message });
        }
        refs.push(got.ref);
      }
      if (!refs.length) return reply.code(422).send({ error: t(locale, 'field.attachments.too_few', { min: '1' }) });
      return reply.code(201).send({ files: refs });
    });

    api.get('/api/requests/:id/attachments', {
      schema: {
        summary: "A request's attachments with links signed for one person (refused when they may not see the request)",
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ personId: refId }),
        response: { 200: z.object({ items: z.array(attachmentRef.extend({ field: z.string().nullable(), uploader: z.string(), addedAt: z.date(), url: z.string() })) }), ...errorReplies },
      },
    }, async (req, reply) => {
      const list = await attachments.listFor(req.params.id, req.query.personId);
      if (!list) return reply.code(403).send({ error: t(locale, 'field.attachments.link_refused') });
      return { items: list.map((a) => ({ id: a.id, name: a.name, mime: a.mime, size: a.size, field: a.field, uploader: a.uploader, addedAt: a.addedAt, url: a.url })) };
    });
  });

  void app.register(async (scope) => {
    const api = zodScope(scope);
    api.get('/files/:id', {
      schema: {
        summary: 'One attachment through a signed link (person-bound, expiring)',
        params: z.object({ id: z.uuid() }),
        querystring: linkQuery,
      },
    }, async (req, reply) => {
      const { p, e, s } = req.query;
      const a = await attachments.open({ attachmentId: req.params.id, personId: p, expires: e, sig: s });
      if (!a) {
        req.log.info({ attachment: req.params.id, person: p }, 'file link refused');
        return reply.code(403).type('text/plain; charset=utf-8').send(t(locale, 'field.attachments.link_refused'));
      }
      return reply
        .type(a.mime)
        .header('content-length', String(a.size))
        .header('content-disposition', disposition(a.mime, a.name))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
        .header('cache-control', 'private, max-age=300')
        .send(Readable.from(attachments.read(a.fileId)));
    });
  });
}
