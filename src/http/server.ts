// The Fastify instance: one error handler (4xx say what was wrong, 5xx say nothing
// internal), health and readiness, the REST API and the simulator's static page.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { isDatabaseUnavailable } from '../store/db.js';

/** Retry-After (s) on a 503 for an unavailable database: about one Postgres restart. */
export const DB_RETRY_AFTER_S = 5;

/**
 * How long one client may hold a connection. Node's own defaults are off under Fastify
 * (requestTimeout 0, no connection cap), so a few hundred slow clients could hold memory forever.
 */
export interface HttpLimits {
  /** Whole request (headers and body) must arrive within this; 408 and close otherwise. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (above common load-balancer idle times). */
  keepAliveTimeoutMs: number;
  /** Open connections at most; more are closed at once by Node. */
  maxConnections: number;
  /** Default body cap; receivers and the API set smaller ones sized to their protocol. */
  bodyLimit: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 1_000,
  bodyLimit: 1024 * 1024,
};

/** A URL fit for the logs: query values (tokens, signatures) replaced. */
export function safeUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const names = url
    .slice(q + 1)
    .split('&')
    .filter(Boolean)
    .map((pair) => `${pair.split('=')[0]!.slice(0, 40)}=[redacted]`);
  return `${url.slice(0, q)}?${names.join('&')}`;
}

export function createHttpServer(log: Logger, opts: Partial<HttpLimits> = {}): FastifyInstance {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...opts };
  const requestTimeout = limits.requestTimeoutMs;
  // Whatever logs a request (Fastify's own client-error and timeout lines included) logs it without its query values.
  const reqLog = log.child({}, { serializers: { req: (r: { method?: string; url?: string; id?: string }) => ({ id: r.id, method: r.method, url: safeUrl(r.url ?? '') }) } });
  const app = Fastify({
    loggerInstance: reqLog as unknown as FastifyBaseLogger,
    bodyLimit: limits.bodyLimit,
    // Per-request access logs would dominate at webhook rates; errors are logged by the handler.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // A socket with no traffic at all (not even an SSE ping) is dropped a little after keep-alive.
    connectionTimeout: limits.keepAliveTimeoutMs + 5_000,
    // No maxRequestsPerSocket: past it Node answers 503 to a keep-alive client's next request
    // (platforms reuse sockets for thousands of webhooks), which is no defence against slow clients.
    http: {
      headersTimeout: Math.min(10_000, requestTimeout),
      // Node looks for overdue requests only this often (30 s by default).
      connectionsCheckingInterval: Math.min(5_000, Math.max(250, Math.floor(requestTimeout / 4))),
    },
  });
  app.server.maxConnections = limits.maxConnections;
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
      req.log.error({ err, url: safeUrl(req.url) }, 'request failed');
      return reply.code(status).send({ error: 'internal error' });
    }
    req.log.info({ url: safeUrl(req.url), status, err: err.message }, 'request refused');
    return reply.code(status).send({ error: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route for ${req.method} ${req.url.split('?')[0]}` }));
  return app;
}
