// The BullMQ dashboard at /admin/queues, behind the admin token.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from './admin-routes.js';

export const DASHBOARD_PATH = '/admin/queues';

export async function queueDashboard(app: FastifyInstance, queues: Queue[], token: string | undefined): Promise<void> {
  const adapter = new FastifyAdapter();
  adapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q)), serverAdapter: adapter });
  await app.register(async (scope) => {
    scope.addHook('onRequest', requireAdmin(token));
    await scope.register(adapter.registerPlugin(), { prefix: DASHBOARD_PATH });
  });
}
