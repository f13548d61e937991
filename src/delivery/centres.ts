// Builds the configured approval centres (Feishu 三方审批, DingTalk 三方流程) for the composition
// root: their adapters behind one syncer, the callback route, the start-up setup (definitions,
// templates) and the periodic reconcile. Off unless FEISHU_APPROVAL_CENTRE / DINGTALK_PROCESS_CENTRE.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { CentreAdapter } from '../channels/centre.js';
import type { Channel, IngestResult } from '../channels/channel.js';
import { createFeishuApprovalCentre } from '../channels/feishu/approval-centre/index.js';
import { createCentreCallbackHandler, registerCentreCallbackRoute, FEISHU_CENTRE_CALLBACK_PATH } from '../channels/feishu/approval-centre/callback.js';
import type { FeishuChannel } from '../channels/feishu/index.js';
import { DingtalkApi } from '../channels/dingtalk/api.js';
import { createDingtalkProcessCentre } from '../channels/dingtalk/process-centre/index.js';
import type { InboundCardAction } from '../channels/inbound.js';
import type { Config } from '../config.js';
import type { Directory } from '../org/directory.js';
import type { Platform } from '../org/schema.js';
import { jobId } from '../queue/jobs.js';
import type { DeliveryQueues } from '../queue/queues.js';
import type { CentreStore } from '../store/centre-repo.js';
import type { CentreRelay } from './centre-jobs.js';
import { createCentreSync } from './centre-sync.js';
import { requestPageUrl } from '../core/request-link.js';

/** Which centres the outbox feeds, from the configuration alone (the relay is built before the channels). */
export function centreRelay(config: Config): CentreRelay | undefined {
  const platforms: Platform[] = [];
  const centreNotifies = new Set<Platform>();
  if (config.FEISHU_APPROVAL_CENTRE === 'on' && config.feishuEnabled) {
    platforms.push('feishu');
    if (config.FEISHU_APPROVAL_NOTICE === 'centre') centreNotifies.add('feishu');
  }
  if (config.DINGTALK_PROCESS_CENTRE === 'on' && config.dingtalkEnabled) {
    platforms.push('dingtalk');
    if (config.DINGTALK_PROCESS_NOTICE === 'centre') centreNotifies.add('dingtalk');
  }
  return platforms.length ? { platforms, centreNotifies } : undefined;
}

export interface CentresDeps {
  config: Config;
  dir: Directory;
  channels: ReadonlyMap<Platform, Channel>;
  store: CentreStore;
  redis: Redis;
  prefix: string;
  queues: DeliveryQueues;
  ingest: (event: InboundCardAction) => Promise<IngestResult>;
  log: Logger;
}

export function createCentres(deps: CentresDeps) {
  const { config, dir } = deps;
  const log = deps.log.child({ component: 'centres' });
  const adapters = new Map<Platform, CentreAdapter>();
  const setups: Array<[Platform, () => Promise<unknown>]> = [];
  const routes: Array<(app: FastifyInstance) => void> = [];
  const publicUrl = (config.PUBLIC_URL ?? '').replace(/\/+$/, '');
  const link = (requestId: string) => (requestId ? requestPageUrl(publicUrl, requestId) : `${publicUrl}/console`);
  const resync = async (platform: Platform, requestId: string) => {
    await deps.queues.add({ type: 'centre.sync', platform, requestId }, jobId('centre', platform, requestId, Date.now()));
  };

  if (config.FEISHU_APPROVAL_CENTRE === 'on') {
    const channel = deps.channels.get('feishu') as FeishuChannel | undefined;
    if (!channel) throw new Error('FEISHU_APPROVAL_CENTRE is on but the Feishu channel is not configured');
    const openId = (personId: string) => dir.platformIdOf(personId, 'feishu');
    const centre = createFeishuApprovalCentre({
      api: channel.api,
      approvalCode: config.FEISHU_APPROVAL_CODE,
      groupCode: config.FEISHU_APPROVAL_GROUP,
      callbackUrl: `${publicUrl}${FEISHU_CENTRE_CALLBACK_PATH}`,
      callbackToken: config.FEISHU_APPROVAL_CALLBACK_TOKEN ?? '',
      ...(config.FEISHU_APPROVAL_CALLBACK_KEY ? { callbackKey: config.FEISHU_APPROVAL_CALLBACK_KEY } : {}),
      link,
      openId,
      personName: (id) => dir.personName(id),
      locale: config.LOCALE,
      log: log.child({ centre: 'feishu' }),
    });
    adapters.set('feishu', centre.adapter);
    setups.push(['feishu', centre.setup]);
    const handle = createCentreCallbackHandler({
      token: config.FEISHU_APPROVAL_CALLBACK_TOKEN ?? '',
      ...(config.FEISHU_APPROVAL_CALLBACK_KEY ? { key: config.FEISHU_APPROVAL_CALLBACK_KEY } : {}),
      approvalCode: centre.approvalCode,
      task: async (requestId, taskKey) => (await deps.store.get('feishu', requestId))?.tasks[taskKey],
      openId,
      ingest: deps.ingest,
      resync: (requestId) => resync('feishu', requestId),
      locale: config.LOCALE,
      log: log.child({ centre: 'feishu' }),
    });
    routes.push((app) => registerCentreCallbackRoute(app, handle));
  }
  if (config.DINGTALK_PROCESS_CENTRE === 'on') {
    if (!config.DINGTALK_CLIENT_ID || !config.DINGTALK_CLIENT_SECRET) throw new Error('DINGTALK_PROCESS_CENTRE is on but the DingTalk app is not configured');
    // Its own client on the channel's credentials: the access token is shared through Redis.
    const api = new DingtalkApi({ baseUrl: config.DINGTALK_BASE_URL, clientId: config.DINGTALK_CLIENT_ID, clientSecret: config.DINGTALK_CLIENT_SECRET, redis: deps.redis, prefix: deps.prefix, log });
    const centre = createDingtalkProcessCentre({
      api,
      ...(config.DINGTALK_PROCESS_CODE ? { processCode: config.DINGTALK_PROCESS_CODE } : {}),
      ownNotices: config.DINGTALK_PROCESS_NOTICE === 'centre',
      link,
      userId: (personId) => dir.platformIdOf(personId, 'dingtalk'),
      locale: config.LOCALE,
      log: log.child({ centre: 'dingtalk' }),
    });
    adapters.set('dingtalk', centre.adapter);
    setups.push(['dingtalk', centre.setup]);
  }

  const syncer = createCentreSync({ store: deps.store, dir, redis: deps.redis, prefix: deps.prefix, adapters, log });
  return {
    syncer,
    registerRoutes(app: FastifyInstance) {
      for (const r of routes) r(app);
    },
    /** Definitions and templates, at worker start. A failure is logged; syncs fail (and retry) until it succeeds. */
    async setup(): Promise<void> {
      for (const [platform, fn] of setups) {
        try {
          await fn();
        } catch (err) {
          log.error({ err, platform }, 'approval centre setup failed');
        }
      }
    },
    async reconcile(): Promise<void> {
      for (const platform of adapters.keys()) await syncer.reconcile(platform);
    },
  };
}

export type Centres = ReturnType<typeof createCentres>;
