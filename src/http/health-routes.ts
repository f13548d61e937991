// /healthz: the process is alive. /readyz: the database, Redis and every enabled channel
// answer; 503 with the reasons otherwise, so a load balancer stops sending traffic.
import type { FastifyInstance } from 'fastify';
import type { Channel } from '../channels/channel.js';

export interface ReadinessDeps {
  checks: Record<string, () => Promise<unknown>>;
  channels: Iterable<Channel>;
  isShuttingDown: () => boolean;
  /** Facts that do not fail readiness but an operator should see (e.g. the calendar's provisional years). */
  notes?: () => Record<string, string>;
}

export function healthRoutes(app: FastifyInstance, deps: ReadinessDeps): void {
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_req, reply) => {
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
    for (const c of deps.channels) {
      try {
        results[`channel:${c.platform}`] = await withTimeout(Promise.resolve(c.health()));
      } catch (err) {
        results[`channel:${c.platform}`] = { ok: false, detail: (err as Error).message };
      }
    }
    for (const [name, detail] of Object.entries(deps.notes?.() ?? {})) results[name] = { ok: true, detail };
    if (deps.isShuttingDown()) results.shutdown = { ok: false, detail: 'shutting down' };
    const ok = Object.values(results).every((r) => r.ok);
    return reply.code(ok ? 200 : 503).send({ ok, checks: results });
  });
}
