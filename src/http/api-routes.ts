// The read API used by the simulator's detail view and by integrations: a request with its
// timeline, a person's pending approvals and requests. Open in simulator mode (where anyone
// can act as anyone anyway); otherwise behind the admin token.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { approvalCard } from '../../cards/approval.js';
import type { CardContext } from '../../cards/approval.js';
import { requireAdmin } from './admin-routes.js';
import { UUID_RE, type RequestReads } from '../store/requests-repo.js';
import { anyObject, errorReplies, refId, requestState, zodScope } from './schemas.js';

const REQUEST_NUMBER = /^[A-Za-z]-\d{1,12}$/;

type ReadDeps = Pick<RequestReads, 'load' | 'byNumber' | 'timeline' | 'pendingFor' | 'requestsOf'>;

export function apiRoutes(app: FastifyInstance, deps: { requests: ReadDeps; cardContext: CardContext; open: boolean; adminToken: string | undefined }): void {
  void app.register(async (scope) => {
    if (!deps.open) scope.addHook('onRequest', requireAdmin(deps.adminToken));
    readRoutes(scope, deps.requests, deps.cardContext);
  });
}

const items = z.object({ items: z.array(anyObject) });

function readRoutes(scope: FastifyInstance, requests: ReadDeps, cardContext: CardContext): void {
  const app = zodScope(scope);
  app.get('/api/requests/:id', {
    schema: {
      summary: 'A request with its card and timeline, by id or number (E-12)',
      params: z.object({ id: z.string().refine((id) => UUID_RE.test(id) || REQUEST_NUMBER.test(id), 'must be a request id (UUID) or number (E-12)') }),
      response: { 200: z.object({ request: requestState, card: anyObject, timeline: z.array(anyObject) }), ...errorReplies },
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const s = REQUEST_NUMBER.test(id) ? await requests.byNumber(id) : await requests.load(id);
    if (!s) return reply.code(404).send({ error: 'request not found' });
    return { request: s, card: approvalCard(s, cardContext), timeline: await requests.timeline(s.id) };
  });
  const person = { params: z.object({ id: refId }), response: { 200: items, ...errorReplies } };
  app.get('/api/people/:id/pending', { schema: { summary: 'Open steps a person approves', ...person } }, async (req) => ({ items: await requests.pendingFor(req.params.id) }));
  app.get('/api/people/:id/requests', { schema: { summary: "A person's latest requests", ...person } }, async (req) => ({ items: await requests.requestsOf(req.params.id, 50) }));
}
