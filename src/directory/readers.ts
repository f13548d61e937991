// The directory readers of the platforms this deployment is configured for, each with its own
// API client (the channels' clients are built for sending; the readers only read, with their
// own retries). Only platforms with credentials get a reader.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createFeishuApi } from '../channels/feishu/client.js';
import { DingtalkOapi } from '../channels/dingtalk/oapi.js';
import { WecomClient } from '../channels/wecom/client.js';
import type { Config } from '../config.js';
import { createDingtalkDirectoryReader } from './dingtalk-reader.js';
import { createFeishuDirectoryReader } from './feishu-reader.js';
import type { DirectoryReader } from './types.js';
import { createWecomDirectoryReader } from './wecom-reader.js';

export interface ReaderDeps {
  config: Config;
  redis: Redis;
  prefix: string;
  log: Logger;
}

export function createDirectoryReaders({ config: c, redis, prefix, log }: ReaderDeps): DirectoryReader[] {
  const readers: DirectoryReader[] = [];
  const opts = (platform: string) => ({ log: log.child({ directory: platform }) });
  if (c.feishuEnabled && c.FEISHU_APP_ID && c.FEISHU_APP_SECRET) {
    const api = createFeishuApi({ appId: c.FEISHU_APP_ID, appSecret: c.FEISHU_APP_SECRET, baseUrl: c.FEISHU_BASE_URL, log });
    readers.push(createFeishuDirectoryReader(api, opts('feishu')));
  }
  if (c.dingtalkEnabled && c.DINGTALK_CLIENT_ID && c.DINGTALK_CLIENT_SECRET) {
    const oapi = new DingtalkOapi({ baseUrl: c.DINGTALK_OAPI_BASE_URL, clientId: c.DINGTALK_CLIENT_ID, clientSecret: c.DINGTALK_CLIENT_SECRET, redis, prefix, log });
    readers.push(createDingtalkDirectoryReader(oapi, opts('dingtalk')));
  }
  if (c.wecomEnabled && c.WECOM_CORP_ID && c.WECOM_SECRET && c.WECOM_AGENT_ID !== undefined) {
    const client = new WecomClient({ baseUrl: c.WECOM_BASE_URL, corpId: c.WECOM_CORP_ID, secret: c.WECOM_SECRET, agentId: c.WECOM_AGENT_ID, redis, redisPrefix: prefix, log });
    readers.push(createWecomDirectoryReader(client, { ...opts('wecom'), ...(c.WECOM_EMPLOYEE_NO_ATTR ? { employeeNoAttr: c.WECOM_EMPLOYEE_NO_ATTR } : {}) }));
  }
  return readers;
}
