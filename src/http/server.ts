// The Fastify instance: one error handler (4xx say what was wrong, 5xx say nothing
// internal), health and readiness, the REST API and the simulator's static page.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../store/db.js';

/** Retry-After (s) on a 503 for an unavailable database: about one Postgres restart. */
export const DB_RETRY_AFTER_S = 5;

export function createHttpServer(log: Logger, opts: { bodyLimit?: number } = {}): FastifyInstance {
  const app = Fastify({
    loggerInstance: log as unknown as FastifyBaseLogger,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    // Per-request access logs would dominate at webhook rates; errors are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.setErrorHandler((err: FastifyError | ZodError, req, reply) => {
    if (err instanceof ZodError) {
      return reply.code(400).send({ error: 'invalid request', issues: err.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`) });
    }
    if (isDatabaseUnavailable(err)) {
      // Postgres down or restarting: say so at once, so a platform that retries does, later.
      req.log.warn({ url: req.url, err: (err as Error).message }, 'database unavailable');
      return reply.code(503).header('retry-after', String(DB_RETRY_AFTER_S)).send({ error: 'database unavailable, retry later' });
    }
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) {
      req.log.error({ err, url: req.url }, 'request failed');
      return reply.code(status).send({ error: 'internal error' });
    }
    req.log.info({ url: req.url, status, err: err.message }, 'request refused');
    return reply.code(status).send({ error: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route for ${req.method} ${req.url.split('?')[0]}` }));
  return app;
}
