// The printable archive of a request over HTTP: through the read API (the admin token, or open
// in simulator mode; `personId` narrows it to what that person may see) and through signed,
// expiring links bound to one person (`/archive/:id?p=&e=&s=`, like file links), each as the
// print-ready page and as a PDF that Chromium renders from it on demand.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { Archive } from '../archive/archive.js';
import type { RequestState } from '../core/model.js';
import { t, type Locale } from '../core/messages.js';
import { requireAdmin } from './admin-routes.js';
import { errorReplies, refId, REQUEST_NUMBER, requestRef, zodScope } from './schemas.js';

export interface ArchiveRouteDeps {
  archive: Archive;
  token: string | undefined;
  open: boolean;
  locale: Locale;
}

const linkQuery = z.object({ p: refId, e: z.coerce.number().int(), s: z.string().min(1).max(100) });
const personQuery = z.object({ personId: refId.optional().describe('Answer only if this person may see the request (403 otherwise)') });

export function archiveRoutes(app: FastifyInstance, deps: ArchiveRouteDeps): void {
  const { archive, locale } = deps;
  const plain = (reply: FastifyReply, code: number, key: 'archive.refused' | 'archive.not_found' | 'archive.unavailable') => reply.code(code).type('text/plain; charset=utf-8').send(t(locale, key));

  const page = async (reply: FastifyReply, s: RequestState) =>
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .header('x-content-type-options', 'nosniff')
      // The page is static: no script, images inline, styles inline.
      .header('content-security-policy', "default-src 'none'; img-src data:; style-src 'unsafe-inline'")
      .send(await archive.html(s));

  const pdf = async (reply: FastifyReply, s: RequestState) => {
    if (!archive.canPrint()) return plain(reply, 503, 'archive.unavailable');
    const bytes = await archive.pdf(s);
    return reply
      .type('application/pdf')
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `inline; filename="${s.number}.pdf"`)
      .send(bytes);
  };

  // Through the read API.
  void app.register(async (scope) => {
    if (!deps.open) scope.addHook('onRequest', requireAdmin(deps.token));
    const api = zodScope(scope);
    /** The request, or a reply already sent (404, or 403 when `personId` may not see it). */
    const resolve = async (reply: FastifyReply, id: string, personId: string | undefined): Promise<RequestState | undefined> => {
      const s = await archive.find(id, REQUEST_NUMBER.test(id));
      if (!s) {
        await reply.code(404).send({ error: t(locale, 'archive.not_found') });
        return undefined;
      }
      if (personId && !archive.mayView(s, personId)) {
        await reply.code(403).send({ error: t(locale, 'archive.refused') });
        return undefined;
      }
      return s;
    };
    const params = z.object({ id: requestRef });
    api.get('/api/requests/:id/archive.html', { schema: { summary: 'The printable archive of a request as a print-ready HTML page (fields, every decision, attachments with images embedded)', params, querystring: personQuery } }, async (req, reply) => {
      const s = await resolve(reply, req.params.id, req.query.personId);
      return s ? page(reply, s) : reply;
    });
    api.get('/api/requests/:id/archive.pdf', { schema: { summary: 'The printable archive of a request as a PDF, rendered by Chromium on demand (503 where no Chromium is installed)', params, querystring: personQuery } }, async (req, reply) => {
      const s = await resolve(reply, req.params.id, req.query.personId);
      return s ? pdf(reply, s) : reply;
    });
    api.get('/api/requests/:id/archive-link', {
      schema: {
        summary: "Links to a request's archive (page and PDF) signed for one person who may see it; they expire like file links",
        params,
        querystring: z.object({ personId: refId }),
        response: { 200: z.object({ html: z.string(), pdf: z.string() }), ...errorReplies },
      },
    }, async (req, reply) => {
      const s = await resolve(reply, req.params.id, req.query.personId);
      return s ? archive.links(s, req.query.personId) : reply;
    });
  });

  // Through a signed link: the link is the credential (one person, until it expires).
  void app.register(async (scope) => {
    const api = zodScope(scope);
    const params = z.object({ id: z.uuid() });
    const opened = async (reply: FastifyReply, id: string, q: z.infer<typeof linkQuery>) => {
      const s = await archive.opened(id, q);
      if (!s) {
        reply.log.info({ request: id, person: q.p }, 'archive link refused');
        await plain(reply, 403, 'archive.refused');
      }
      return s;
    };
    api.get('/archive/:id', { schema: { summary: "A request's printable archive page through a signed link (person-bound, expiring)", params, querystring: linkQuery } }, async (req, reply) => {
      const s = await opened(reply, req.params.id, req.query);
      return s ? page(reply, s) : reply;
    });
    api.get('/archive/:id/pdf', { schema: { summary: "A request's archive as a PDF through a signed link (person-bound, expiring)", params, querystring: linkQuery } }, async (req, reply) => {
      const s = await opened(reply, req.params.id, req.query);
      return s ? pdf(reply, s) : reply;
    });
  });
}
