// What a channel factory gets from the composition root, for a channel tested on its own: a
// silent log, the example organisation, no stored response codes unless a store is given, and an ingest that
// accepts everything unless the test passes its own (usually one that records the events).
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import type { ChannelDeps } from '../../src/channels/channel.js';
import type { Config } from '../../src/config.js';
import { loadOrg } from '../../src/org/load.js';
import type { ResponseCodeStore } from '../../src/store/response-codes-repo.js';

export function channelDeps(config: Config, redis: Redis, redisPrefix: string, over: Partial<ChannelDeps> = {}): ChannelDeps {
  return {
    config,
    log: pino({ level: 'silent' }),
    redis,
    redisPrefix,
    responseCodes: {} as ResponseCodeStore,
    dir: loadOrg(undefined),
    ingest: async () => ({ status: 'accepted' }),
    ...over,
  };
}
