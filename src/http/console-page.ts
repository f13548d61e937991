// The console's page: the Vue app (src/web/console) built by Vite into web-dist/console/,
// served at /console and below (the app routes in the browser). Its assets are under /assets/,
// which the simulator's page already serves when it runs; otherwise served here.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { WEB_DIST } from '../simulator/page.js';

const PAGE = join(WEB_DIST, 'console', 'index.html');

export async function serveConsolePage(http: FastifyInstance, opts: { staticAssets: boolean }): Promise<void> {
  if (opts.staticAssets) await http.register(fastifyStatic, { root: join(WEB_DIST, 'assets'), prefix: '/assets/', decorateReply: false });
  const send = async (reply: FastifyReply) => {
    try {
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(PAGE, 'utf8'));
    } catch {
      return reply.code(503).type('text/plain; charset=utf-8').send('the console is not built: run `npm run build:web`');
    }
  };
  const schema = { summary: "The console's page (HTML; the app routes below it in the browser)", tags: ['console'] };
  http.get('/console', { schema }, (_req, reply) => send(reply));
  http.get('/console/*', { schema }, (_req, reply) => send(reply));
}
