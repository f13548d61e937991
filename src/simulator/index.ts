// The built-in chat simulator, server side: a channel like the platforms' (channel.ts), its
// receiver and live feed (routes.ts, under /api/sim), its chat history (chat.ts) and its page
// (page.ts; the front-end is src/web/simulator). Its platform id stays 'local' and its routes
// /api/sim/*: both are data (stored rows, URLs), not names of this module.
import type { Redis } from 'ioredis';
import type { Channel } from '../channels/channel.js';
import type { Db } from '../store/db.js';
import { simMessagesRepo } from '../store/sim-messages-repo.js';
import { createSimulatorChannel } from './channel.js';
import { createSimChat } from './chat.js';
import { simRoutes, type SimRouteDeps } from './routes.js';

export { serveSimulatorPage } from './page.js';

export interface SimulatorDeps extends Omit<SimRouteDeps, 'chat'> {
  db: Db;
  redis: Redis;
  /** The Redis key prefix; the live feed is published on `<prefix>:sim`. */
  prefix: string;
}

export function createSimulator({ db, redis, prefix, ...routeDeps }: SimulatorDeps): Channel {
  const chat = createSimChat(simMessagesRepo(db), redis, `${prefix}:sim`);
  return createSimulatorChannel(chat, simRoutes({ chat, ...routeDeps }));
}
