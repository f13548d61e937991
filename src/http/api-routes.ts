// The read API used by the simulator's detail view and by integrations: a request with its
// timeline, a person's pending approvals and requests, a department's overview. Open in
// simulator mode (where anyone can act as anyone anyway); otherwise behind the admin token.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { approvalCard } from '../../cards/approval.js';
import type { CardContext } from '../../cards/approval.js';
import { requireAdmin } from './admin-routes.js';
import type { Directory } from '../org/directory.js';
import type { DepartmentOverview, RequestReads } from '../store/requests-repo.js';
import { anyObject, errorReplies, refId, REQUEST_NUMBER, requestRef, requestState, zodScope } from './schemas.js';

type ReadDeps = Pick<RequestReads, 'load' | 'byNumber' | 'timeline' | 'pendingFor' | 'requestsOf' | 'departmentOverview'>;

interface ApiDeps {
  requests: ReadDeps;
  cardContext: CardContext;
  dir: Directory;
  now: () => Date;
  open: boolean;
  adminToken: string | undefined;
}

export function apiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  void app.register(async (scope) => {
    if (!deps.open) scope.addHook('onRequest', requireAdmin(deps.adminToken));
    readRoutes(scope, deps);
  });
}

const items = z.object({ items: z.array(anyObject) });

function readRoutes(scope: FastifyInstance, { requests, cardContext, dir, now }: ApiDeps): void {
  const app = zodScope(scope);
  app.get('/api/requests/:id', {
    schema: {
      summary: 'A request with its card and timeline, by id or number (E-12)',
      params: z.object({ id: requestRef }),
      response: { 200: z.object({ request: requestState, card: anyObject, timeline: z.array(anyObject) }), ...errorReplies },
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const s = REQUEST_NUMBER.test(id) ? await requests.byNumber(id) : await requests.load(id);
    if (!s) return reply.code(404).send({ error: 'request not found' });
    const parent = s.parentId ? await requests.load(s.parentId) : undefined;
    return { request: s, card: approvalCard(s, cardContext, { parent }), timeline: await requests.timeline(s.id) };
  });
  const person = { params: z.object({ id: refId }), response: { 200: items, ...errorReplies } };
  app.get('/api/people/:id/pending', { schema: { summary: 'Open steps a person approves', ...person } }, async (req) => ({ items: await requests.pendingFor(req.params.id) }));
  app.get('/api/people/:id/requests', { schema: { summary: "A person's latest requests", ...person } }, async (req) => ({ items: await requests.requestsOf(req.params.id, 50) }));
  app.get('/api/departments/:id/overview', {
    schema: {
      summary: "A department's open requests and counts (with the departments it manages)",
      params: z.object({ id: refId }),
      response: { 200: z.looseObject({ departments: z.array(z.string()) }) as unknown as z.ZodType<DepartmentOverview>, ...errorReplies },
    },
  }, async (req, reply) => {
    const { id } = req.params;
    if (!dir.departments.has(id)) return reply.code(404).send({ error: `unknown department "${id}"` });
    return requests.departmentOverview(dir.managedDepartmentsUnder(id), now());
  });
}
