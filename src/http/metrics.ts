// Prometheus metrics. One registry per app instance (not prom-client's global one), so several
// apps in one process — tests, benchmarks — never collide.
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { requireAdmin } from './admin-routes.js';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'qianpi_' });
  const inbound = new Counter({
    name: 'qianpi_inbound_events_total',
    help: 'Platform events received, by platform, kind and ingest outcome',
    labelNames: ['platform', 'kind', 'status'] as const,
    registers: [registry],
  });
  const deliveries = new Counter({
    name: 'qianpi_deliveries_total',
    help: 'Delivery jobs run, by job type and result (ok, retry, failed)',
    labelNames: ['type', 'result'] as const,
    registers: [registry],
  });
  return {
    registry,
    inbound,
    deliveries,
    /** Queue depths are read when Prometheus scrapes, not kept up to date in between. */
    watchQueues(queues: () => Queue[]) {
      new Gauge({
        name: 'qianpi_queue_jobs',
        help: 'Jobs per queue and state',
        labelNames: ['queue', 'state'] as const,
        registers: [registry],
        async collect() {
          for (const q of queues()) {
            const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed');
            for (const [state, n] of Object.entries(counts)) this.set({ queue: q.name, state }, n);
          }
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Behind the admin token (Prometheus sends it with `authorization: { credentials_file: … }`);
 * open only where the composition root says so (a simulator-only instance without a token).
 */
export function metricsRoute(app: FastifyInstance, metrics: Metrics, access: { open: boolean; token: string | undefined }): void {
  void app.register(async (scope) => {
    if (!access.open) scope.addHook('onRequest', requireAdmin(access.token));
    scope.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['admin'], security: [{ adminToken: [] }] } }, async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  });
}
