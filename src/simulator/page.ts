// The simulator's page (static files), served at `/`.
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

const ASSETS = fileURLToPath(new URL('../http/sim/assets', import.meta.url));

export async function serveSimulatorPage(http: FastifyInstance, _log: Logger): Promise<void> {
  await http.register(fastifyStatic, { root: ASSETS, prefix: '/', index: ['index.html'] });
}
