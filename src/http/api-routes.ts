// The read API used by the simulator's detail view and by integrations: a request with its
// timeline, a person's pending approvals and requests. Open in simulator mode (where anyone
// can act as anyone anyway); otherwise behind the admin token.
import type { FastifyInstance } from 'fastify';
import { approvalCard } from '../../cards/approval.js';
import type { CardContext } from '../../cards/approval.js';
import type { Database, Db } from '../store/db.js';
import { requireAdmin } from './admin-routes.js';
import { loadRequest, loadRequestByNumber, pendingFor, requestsOf, timeline } from '../store/requests-repo.js';

export function apiRoutes(app: FastifyInstance, deps: { database: Database; cardContext: CardContext; open: boolean; adminToken: string | undefined }): void {
  void app.register(async (scope) => {
    if (!deps.open) scope.addHook('onRequest', requireAdmin(deps.adminToken));
    readRoutes(scope, deps.database.db, deps.cardContext);
  });
}

function readRoutes(app: FastifyInstance, db: Db, cardContext: CardContext): void {
  app.get('/api/requests/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const s = /^[A-Za-z]-\d+$/.test(id) ? await loadRequestByNumber(db, id) : await loadRequest(db, id);
    if (!s) return reply.code(404).send({ error: 'request not found' });
    return { request: s, card: approvalCard(s, cardContext), timeline: await timeline(db, s.id) };
  });
  app.get('/api/people/:id/pending', async (req) => ({ items: await pendingFor(db, (req.params as { id: string }).id) }));
  app.get('/api/people/:id/requests', async (req) => ({ items: await requestsOf(db, (req.params as { id: string }).id, 50) }));
}
