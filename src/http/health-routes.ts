// /healthz: the process is alive. /readyz: the database, Redis and every enabled channel
// answer; 503 otherwise, so a load balancer stops sending traffic. The reasons (internal error
// text) are shown only to a caller with the admin token.
import type { FastifyInstance } from 'fastify';
import type { Channel } from '../channels/channel.js';
import { z } from 'zod';
import { hasAdminToken } from './admin-routes.js';
import { zodScope } from './schemas.js';

export interface ReadinessDeps {
  checks: Record<string, () => Promise<unknown>>;
  /** Read at every call: every enabled channel is checked every time. */
  channels: () => Iterable<Channel>;
  isShuttingDown: () => boolean;
  /** Facts that do not fail readiness but an operator should see (e.g. the calendar's provisional years). */
  notes?: () => Record<string, string> | Promise<Record<string, string>>;
  adminToken: string | undefined;
}

const readiness = z.object({ ok: z.boolean(), checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string().optional() })) });

export function healthRoutes(http: FastifyInstance, deps: ReadinessDeps): void {
  const app = zodScope(http);
  app.get('/healthz', { schema: { summary: 'Liveness: the process answers', tags: ['health'], response: { 200: z.object({ ok: z.literal(true) }) } } }, async () => ({ ok: true as const }));
  app.get('/readyz', {
    schema: {
      summary: 'Readiness: database, Redis and every enabled channel (details only with the admin token)',
      tags: ['health'],
      response: { 200: readiness, 503: readiness },
    },
  }, async (req, reply) => {
    const results: Record<string, { ok: boolean; detail?: string }> = {};
    const withTimeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out after 2s')), 2000))]);
    await Promise.all(
      Object.entries(deps.checks).map(async ([name, check]) => {
        try {
          await withTimeout(check());
          results[name] = { ok: true };
        } catch (err) {
          results[name] = { ok: false, detail: (err as Error).message };
        }
      }),
    );
    await Promise.all(
      [...deps.channels()].map(async (c) => {
        try {
          results[`channel:${c.platform}`] = await withTimeout(Promise.resolve(c.health()));
        } catch (err) {
          results[`channel:${c.platform}`] = { ok: false, detail: (err as Error).message };
        }
      }),
    );
    try {
      for (const [name, detail] of Object.entries((await withTimeout(Promise.resolve(deps.notes?.() ?? {}))) as Record<string, string>)) results[name] = { ok: true, detail };
    } catch (err) {
      results.notes = { ok: true, detail: `could not be read: ${(err as Error).message}` };
    }
    if (deps.isShuttingDown()) results.shutdown = { ok: false, detail: 'shutting down' };
    const ok = Object.values(results).every((r) => r.ok);
    if (hasAdminToken(req, deps.adminToken)) return reply.code(ok ? 200 : 503).send({ ok, checks: results });
    const bare = Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { ok: r.ok }]));
    return reply.code(ok ? 200 : 503).send({ ok, checks: bare });
  });
}
