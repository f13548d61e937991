// What the Feishu webhook costs per event (signature over raw bytes, AES decrypt, token check,
// normalise, ack), against a baseline of a trivial route on the same Fastify server. Ingest is
// a stub that resolves at once, so this is the receiver's own cost.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createFeishuChannel } from '../src/channels/feishu/index.js';
import { loadConfig } from '../src/config.js';
import { createHttpServer } from '../src/http/server.js';
import { loadOrg } from '../src/org/load.js';
import type { Database } from '../src/store/db.js';
import { feishuEncrypt, feishuSignHeaders } from '../test/fakes/feishu-server.js';

const KEY = 'bench-encrypt-key';
const TOKEN = 'bench-token';
const APP_ID = 'cli_0123456789abcdef';
const N = 5000;
const log = pino({ level: 'silent' });
const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
const config = loadConfig({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: 's', FEISHU_VERIFICATION_TOKEN: TOKEN, FEISHU_ENCRYPT_KEY: KEY, FEISHU_BASE_URL: 'http://127.0.0.1:9' });
const channel = createFeishuChannel({ config, log, redis, redisPrefix: 'bench', database: {} as Database, dir: loadOrg(undefined), ingest: async () => ({ status: 'accepted', feedback: { text: '已同意', tone: 'success' } }) });
const app = createHttpServer(log);
channel.registerRoutes!(app);
app.post('/baseline', async () => ({}));
await app.ready();

const requests = Array.from({ length: N }, (_, i) => {
  const envelope = {
    schema: '2.0',
    header: { event_id: `bench-${i}`, event_type: 'card.action.trigger', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk' },
    event: { operator: { open_id: 'ou_liuyang' }, action: { tag: 'button', value: { a: 'approve', r: 'req-1', s: 'dept-lead' } }, context: { open_message_id: 'om_1', open_chat_id: 'oc_1' } },
  };
  const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(envelope), KEY) });
  return { body, headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) } };
});

async function time(fn: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await fn(i);
  const t = performance.now();
  for (let i = 0; i < N; i++) await fn(i);
  return performance.now() - t;
}

const baseline = await time((i) => app.inject({ method: 'POST', url: '/baseline', payload: requests[i]!.body, headers: { 'content-type': 'application/json' } }));
const feishu = await time(async (i) => {
  const r = await app.inject({ method: 'POST', url: '/webhooks/feishu', payload: requests[i]!.body, headers: requests[i]!.headers });
  if (r.statusCode !== 200) throw new Error(`unexpected ${r.statusCode}: ${r.body}`);
});
const per = (ms: number) => `${((ms / N) * 1000).toFixed(1)} µs`;
console.log(`baseline route (inject):        ${per(baseline)}/req`);
console.log(`feishu signed+encrypted click:  ${per(feishu)}/req  (${(feishu / baseline).toFixed(2)}× baseline)`);
await app.close();
redis.disconnect();
