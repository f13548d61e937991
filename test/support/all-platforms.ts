// The whole app with Feishu, DingTalk (Stream) and WeCom enabled at once, each against its fake
// platform server, plus the simulator. Used by tests that cross platforms.
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk, type FakeDingtalkServer } from '../fakes/dingtalk-server.js';
import { startFakeStreamGateway, type FakeStreamGateway } from '../fakes/dingtalk-stream-gateway.js';
import { startFakeFeishu, type FakeFeishu } from '../fakes/feishu-server.js';
import { FakeWecomServer } from '../fakes/wecom-server.js';
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp } from './app.js';

export const FS = { appId: 'cli_00000000000d1a10', secret: 'fs-secret', token: 'fs-token', key: 'fs-encrypt-key' };
export const WC = { token: 'dlgToken', encodingAESKey: 'kWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', corpId: 'wwqianpidlg00001', agentId: 1000021, secret: 'wc-secret' };

export interface AllPlatforms {
  t: TestApp;
  feishu: FakeFeishu;
  ding: FakeDingtalkServer;
  gateway: FakeStreamGateway;
  wecom: FakeWecomServer;
  close(): Promise<void>;
}

export async function startAllPlatforms(): Promise<AllPlatforms> {
  const feishu = await startFakeFeishu({ appId: FS.appId, appSecret: FS.secret, botOpenId: 'ou_bot' });
  const ding = await startFakeDingtalk();
  const gateway = await startFakeStreamGateway({ acceptTicket: (ticket) => ding.tickets.has(ticket) });
  ding.gatewayEndpoint = gateway.endpoint;
  const wecom = await new FakeWecomServer({ corpId: WC.corpId, secret: WC.secret, agentId: WC.agentId }).start();
  const t = await startTestApp({
    SIMULATOR: 'on',
    FEISHU_APP_ID: FS.appId,
    FEISHU_APP_SECRET: FS.secret,
    FEISHU_VERIFICATION_TOKEN: FS.token,
    FEISHU_ENCRYPT_KEY: FS.key,
    FEISHU_BASE_URL: feishu.url,
    DINGTALK_CLIENT_ID: FAKE_CLIENT_ID,
    DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    DINGTALK_BASE_URL: ding.url,
    DINGTALK_CARD_TEMPLATE_APPROVAL: 'tpl-approval.schema',
    WECOM_CORP_ID: WC.corpId,
    WECOM_AGENT_ID: String(WC.agentId),
    WECOM_SECRET: WC.secret,
    WECOM_TOKEN: WC.token,
    WECOM_ENCODING_AES_KEY: WC.encodingAESKey,
    WECOM_BASE_URL: wecom.url,
  });
  await gateway.waitForConnections(1, 10_000);
  return {
    t,
    feishu,
    ding,
    gateway,
    wecom,
    async close() {
      await t.close();
      await gateway.close();
      await ding.close();
      await feishu.close();
      await wecom.stop();
    },
  };
}

/** Every platform started before the file's tests and stopped after them (the fields are set once the tests run). */
export function useAllPlatforms(): AllPlatforms {
  const all = {} as AllPlatforms;
  beforeAll(async () => {
    Object.assign(all, await startAllPlatforms());
  });
  afterAll(() => all.close?.());
  return all;
}
