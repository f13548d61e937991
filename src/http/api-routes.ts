// The read API used by the simulator's detail view (and by integrations): a request with its
// timeline. Writes go through channels (card actions) so they share one path.
import type { FastifyInstance } from 'fastify';
import { approvalCard } from '../../cards/approval.js';
import type { CardContext } from '../../cards/approval.js';
import type { Database } from '../store/db.js';
import { loadRequest, loadRequestByNumber, pendingFor, requestsOf, timeline } from '../store/requests-repo.js';

export function apiRoutes(app: FastifyInstance, deps: { database: Database; cardContext: CardContext }): void {
  const db = deps.database.db;
  app.get('/api/requests/:id', async (req, reply) => {
    const { id } = req.params as { id: string };
    const s = /^[A-Za-z]-\d+$/.test(id) ? await loadRequestByNumber(db, id) : await loadRequest(db, id);
    if (!s) return reply.code(404).send({ error: 'request not found' });
    return { request: s, card: approvalCard(s, deps.cardContext), timeline: await timeline(db, s.id) };
  });
  app.get('/api/people/:id/pending', async (req) => ({ items: await pendingFor(db, (req.params as { id: string }).id) }));
  app.get('/api/people/:id/requests', async (req) => ({ items: await requestsOf(db, (req.params as { id: string }).id, 50) }));
}
