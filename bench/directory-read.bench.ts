// A full directory read of a 2,000-person, 150-department company from each platform's fake
// contacts API, through the real clients (the Feishu SDK, our DingTalk oapi and WeCom clients):
// wall time, requests by endpoint, and the time against a baseline measured in the same run —
// as many bare requests to a trivial endpoint of the same fake, side by side as the reader
// sends them (its default of 4), i.e. the HTTP floor for that many round trips.
import { pino } from 'pino';
import { createFeishuApi } from '../src/channels/feishu/client.js';
import { DingtalkOapi } from '../src/channels/dingtalk/oapi.js';
import { WecomClient } from '../src/channels/wecom/client.js';
import { createDingtalkDirectoryReader } from '../src/directory/dingtalk-reader.js';
import { createFeishuDirectoryReader } from '../src/directory/feishu-reader.js';
import type { DirectoryReader, PlatformDirectory } from '../src/directory/types.js';
import { createWecomDirectoryReader } from '../src/directory/wecom-reader.js';
import { forEachLimit } from '../src/util/for-each-limit.js';
import { generateCompany } from '../test/fakes/company.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk } from '../test/fakes/dingtalk-server.js';
import { startFakeFeishu } from '../test/fakes/feishu-server.js';
import { FakeWecomServer } from '../test/fakes/wecom-server.js';
import { EMPLOYEE_NO_ATTR } from '../test/fakes/wecom-contacts.js';
import { scratchRedis } from '../test/support/scratch-redis.js';

const PEOPLE = Number(process.env.BENCH_PEOPLE ?? 2_000);
const DEPARTMENTS = Number(process.env.BENCH_DEPARTMENTS ?? 150);
const CONCURRENCY = 4;
const log = pino({ level: 'silent' });
const company = generateCompany({ people: PEOPLE, departments: DEPARTMENTS, seed: 2026 });
const { redis, prefix, close: closeRedis } = scratchRedis('dirbench');

interface Row {
  platform: string;
  ms: number;
  requests: Map<string, number>;
  floorMs: number;
  dir: PlatformDirectory;
}

/** Reads once to warm up (JIT, connections, tokens), then times a second read. */
async function timedRead(reader: DirectoryReader, requestCount: () => number): Promise<{ ms: number; count: number; dir: PlatformDirectory }> {
  await reader.readAll();
  const before = requestCount();
  const t = performance.now();
  const dir = await reader.readAll();
  return { ms: performance.now() - t, count: requestCount() - before, dir };
}

/** `n` bare requests, CONCURRENCY at a time: the HTTP floor for the read's round trips. */
async function floor(n: number, url: string, init: RequestInit = {}): Promise<number> {
  const t = performance.now();
  await forEachLimit(
    Array.from({ length: n }, (_, i) => i),
    CONCURRENCY,
    async () => void (await (await fetch(url, init)).text()),
  );
  return performance.now() - t;
}

function byEndpoint(paths: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const p of paths) {
    const key = p.replace(/\/od-[0-9a-f]+|\/0(?=\/|$)/, '/:id');
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

const rows: Row[] = [];
try {
  {
    const fake = await startFakeFeishu({ appId: 'cli_bench', appSecret: 's', company });
    const api = createFeishuApi({ appId: 'cli_bench', appSecret: 's', baseUrl: fake.url, log });
    const r = await timedRead(createFeishuDirectoryReader(api, { log, concurrency: CONCURRENCY }), () => fake.requests.length);
    const paths = fake.requests.slice(-r.count).map((x) => x.path);
    const token = await api.tokens.get();
    const floorMs = await floor(r.count, `${fake.url}/open-apis/bot/v3/info`, { headers: { authorization: `Bearer ${token}` } });
    rows.push({ platform: 'feishu', ms: r.ms, requests: byEndpoint(paths), floorMs, dir: r.dir });
    await fake.close();
  }
  {
    const fake = await startFakeDingtalk({ company });
    const oapi = new DingtalkOapi({ baseUrl: fake.url, clientId: FAKE_CLIENT_ID, clientSecret: FAKE_CLIENT_SECRET, redis, prefix, log });
    const r = await timedRead(createDingtalkDirectoryReader(oapi, { log, concurrency: CONCURRENCY }), () => fake.requests.length);
    const paths = fake.requests.slice(-r.count).map((x) => x.path);
    const floorMs = await floor(r.count, `${fake.url}/gettoken?appkey=${FAKE_CLIENT_ID}&appsecret=${FAKE_CLIENT_SECRET}`);
    rows.push({ platform: 'dingtalk', ms: r.ms, requests: byEndpoint(paths), floorMs, dir: r.dir });
    await fake.close();
  }
  {
    const fake = await new FakeWecomServer({ corpId: 'wwbench', secret: 's', agentId: 1, company }).start();
    const client = new WecomClient({ baseUrl: fake.url, corpId: 'wwbench', secret: 's', agentId: 1, redis, redisPrefix: prefix, log });
    const r = await timedRead(createWecomDirectoryReader(client, { log, concurrency: CONCURRENCY, employeeNoAttr: EMPLOYEE_NO_ATTR }), () => fake.requests.length);
    const paths = fake.requests.slice(-r.count).map((x) => x.path);
    const floorMs = await floor(r.count, `${fake.url}/cgi-bin/gettoken?corpid=wwbench&corpsecret=s`);
    rows.push({ platform: 'wecom', ms: r.ms, requests: byEndpoint(paths), floorMs, dir: r.dir });
    await fake.stop();
  }

  console.log(`company: ${PEOPLE.toLocaleString('en-US')} people, ${DEPARTMENTS} departments; reader concurrency ${CONCURRENCY}; second of two reads`);
  for (const r of rows) {
    const total = [...r.requests.values()].reduce((a, b) => a + b, 0);
    console.log(
      `\n${r.platform.padEnd(9)} ${r.ms.toFixed(0)} ms, ${total} requests (${(r.ms / total).toFixed(2)} ms each); ` +
        `baseline ${total} bare requests ${r.floorMs.toFixed(0)} ms → ${(r.ms / r.floorMs).toFixed(2)}× baseline; ` +
        `read ${r.dir.departments.length} departments, ${r.dir.users.length} people, ${r.dir.gaps.length} gaps`,
    );
    for (const [path, n] of [...r.requests].sort((a, b) => b[1] - a[1])) console.log(`    ${String(n).padStart(5)}  ${path}`);
  }
} finally {
  await closeRedis();
}
