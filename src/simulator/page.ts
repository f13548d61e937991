// The simulator's page: the front-end (src/web/simulator) built by Vite into web-dist/ (gitignored;
// `npm run build:web`, run by `npm start`, `npm test` and the Dockerfile). Served at `/`, its
// assets under /assets/.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** The web build, at the repository root (the compiled tree mirrors it under dist/: dist/web-dist). */
export const WEB_DIST = fileURLToPath(new URL('../../web-dist/', import.meta.url));
const PAGE = 'simulator/index.html';

export async function serveSimulatorPage(http: FastifyInstance, log: Logger): Promise<void> {
  if (!existsSync(join(WEB_DIST, PAGE))) log.warn({ dir: WEB_DIST }, 'the simulator page is not built: run `npm run build:web`');
  await http.register(fastifyStatic, { root: WEB_DIST, prefix: '/', index: false });
  http.get('/', { schema: { summary: "The simulator's page (HTML)", tags: ['simulator'] } }, (_req, reply) => reply.sendFile(PAGE));
}
