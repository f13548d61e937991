// What one Feishu webhook event costs end to end over HTTP: autocannon fires signed, encrypted
// events (every one with its own event id) at three servers in the same process, one at a time:
//   (a) an empty route on the app's own Fastify server factory: the HTTP floor;
//   (b) the official SDK: `adaptDefault` + `EventDispatcher` on node:http, with encryptKey and
//       verificationToken, so it checks the signature (its check hashes JSON.stringify(body))
//       and decrypts; its handlers answer {} and keep nothing;
//   (c) ours: the whole app from test/support's startTestApp — signature over the raw bytes,
//       decrypt, token check, normalise, then ingest: SET NX dedupe in Redis, the click's
//       pre-check in Postgres, a BullMQ add (durable once Redis has it), and the ack.
// The app runs as PROCESS_ROLE=web (a web replica): no workers consume the inbound queue, so the
// measure is receive + dedupe + enqueue + ack, and the clicks all approve one real, still-open
// request (a consumed approve would close it and later clicks would be refused, not enqueued).
// Then a fixed-rate run against ours, and a check that jobs enqueued = distinct events accepted.
// The load generator is autocannon in a worker thread of this process: its own event loop, but
// the same 2 CPUs as the server, Redis and Postgres, so every figure here is a shared-CPU figure.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import * as lark from '@larksuiteoapi/node-sdk';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createHttpServer } from '../src/http/server.js';
import type { TestApp } from '../test/support/app.js';
import { eventPayload } from '../test/support/core-fixtures.js';
import { feishuEncrypt, feishuSignHeaders } from '../test/fakes/feishu-server.js';
import type { EventKind, FeishuIdentity, LoadJob, LoadResult, WorkerIn, WorkerOut } from './support/feishu-load.js';
import { testHarness, type TestHarness } from './support/test-app.js';

const PATH = '/webhooks/feishu';
const APP_ID = 'cli_bench0123456789';
const TOKEN = 'bench-verification-token';
const KEY = 'bench-encrypt-key';
const CONNECTIONS = 32;
const SECONDS = 10;
const WARMUP_SECONDS = 2;
const RATE = 5_000;
const RATE_CONNECTIONS = 20;
const RATE_KIND: EventKind = 'card';
const TARGETS = { speedup: 1.5, p99Ms: 20 };

const started = Date.now();
const log = pino({ level: 'silent' });
const cpus = os.cpus();
console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`load generator: autocannon in a worker thread of this process (${CONNECTIONS} connections, no pipelining), sharing the CPUs with the servers, Redis and Postgres`);

// --- the load worker -------------------------------------------------------------------------
function startLoadWorker(identity: FeishuIdentity) {
  // Workers do not inherit tsx's hooks: register them, then load the TypeScript entry.
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./support/feishu-load.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
  const waiting = new Map<number, { resolve: (r: LoadResult) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failed: Error | undefined;
  worker.on('message', (m: WorkerOut) => {
    if (m.type === 'ready') return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.type === 'result') w?.resolve(m.result);
    else w?.reject(new Error(`load worker: ${m.message}`));
  });
  worker.on('error', (err) => {
    failed = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  });
  worker.postMessage({ type: 'init', identity } satisfies WorkerIn);
  return {
    run(job: LoadJob): Promise<LoadResult> {
      if (failed) return Promise.reject(failed);
      const id = ++seq;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.postMessage({ type: 'run', id, job } satisfies WorkerIn);
      });
    },
    close: () => worker.terminate(),
  };
}
type LoadWorker = ReturnType<typeof startLoadWorker>;

const listen = async (server: Server): Promise<string> => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** Every answer must be the expected one: a mismatch means a path we did not mean to measure. */
function assertClean(label: string, r: LoadResult, mayRepeat = false): void {
  if (r.ok !== r.responses || r.errors > 0 || (r.wrapped && !mayRepeat)) {
    throw new Error(`${label}: ${r.responses} answers, ${r.ok} as expected, ${r.errors} errors (${r.timeouts} timeouts), status ${JSON.stringify(r.statusCodes)}, event ids repeated: ${r.wrapped}`);
  }
}

// --- setup -----------------------------------------------------------------------------------
let harness: TestHarness | undefined;
let t: TestApp | undefined;
let load: LoadWorker | undefined;
let empty: FastifyInstance | undefined;
let sdk: Server | undefined;
try {
  harness = await testHarness();
  t = await harness.startTestApp({
    PROCESS_ROLE: 'web',
    SIMULATOR: 'off',
    FEISHU_APP_ID: APP_ID,
    FEISHU_APP_SECRET: 'bench-app-secret',
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    FEISHU_ENCRYPT_KEY: KEY,
    // Asked once at start for the bot's identity (refused at once); never on the webhook path.
    FEISHU_BASE_URL: 'http://127.0.0.1:9',
  });
  const { app } = t;
  // A real, open approval: every click of its approver passes the pre-check and is enqueued.
  const sub = await app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name: '压测活动' }), platform: 'feishu' });
  if (!sub.ok) throw new Error(`could not submit the request to click on: ${sub.code}`);
  const step = sub.state.current === null ? undefined : sub.state.steps[sub.state.current];
  const approverOpenId = step && app.dir.platformIdOf(step.approvers[0]!, 'feishu');
  const applicantOpenId = app.dir.platformIdOf('liming', 'feishu');
  if (!step || !approverOpenId || !applicantOpenId) throw new Error('the submitted request has no open step with a Feishu approver');
  const identity: FeishuIdentity = { appId: APP_ID, token: TOKEN, encryptKey: KEY, requestId: sub.state.id, stepId: step.id, approverOpenId, applicantOpenId };

  // What ours answers, once each, checked before anything is measured.
  const probe = async (kind: EventKind) => {
    const header = { event_id: `bench_probe_${kind}`, event_type: kind === 'card' ? 'card.action.trigger' : 'im.message.receive_v1', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk_bench' };
    const event =
      kind === 'card'
        ? { operator: { open_id: approverOpenId }, action: { tag: 'button', value: { a: 'approve', r: identity.requestId, s: identity.stepId } }, context: { open_message_id: 'om_probe' } }
        : { sender: { sender_id: { open_id: applicantOpenId }, sender_type: 'user' }, message: { message_id: 'om_probe', chat_id: 'oc_probe', chat_type: 'p2p', message_type: 'text', content: '{"text":"我的申请"}' } };
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify({ schema: '2.0', header, event }), KEY) });
    const res = await fetch(`${t!.url}${PATH}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) } });
    return `${res.status} ${await res.text()}`;
  };
  const probes = { card: await probe('card'), message: await probe('message') };
  console.log(`ours answers a click on ${sub.state.number} by ${step.approvers[0]} (step ${step.id}) with ${probes.card}; a message with ${probes.message}`);
  if (!probes.card.startsWith('200 ') || !probes.card.includes('"type":"success"') || probes.message !== '200 {}') throw new Error('ours did not accept the probe events');
  let accepted = 2;

  empty = createHttpServer(log);
  empty.post(PATH, async () => ({}));
  await empty.listen({ port: 0, host: '127.0.0.1' });
  const emptyUrl = `http://127.0.0.1:${(empty.server.address() as AddressInfo).port}`;

  let sdkHandled = 0;
  const dispatcher = new lark.EventDispatcher({ encryptKey: KEY, verificationToken: TOKEN, loggerLevel: lark.LoggerLevel.error }).register({
    'card.action.trigger': async () => {
      sdkHandled++;
      return {};
    },
    'im.message.receive_v1': async () => {
      sdkHandled++;
      return {};
    },
  });
  sdk = createServer(lark.adaptDefault(PATH, dispatcher));
  const sdkUrl = await listen(sdk);

  load = startLoadWorker(identity);
  const lw = load;

  // --- throughput ----------------------------------------------------------------------------
  const rows: Array<{ label: string; r: LoadResult }> = [];
  // Stateless servers: fixed-duration runs over a shared pool (an event id may come round twice).
  const timed = async (label: string, url: string, kind: EventKind, expect: LoadJob['expect']) => {
    const pool = { name: `shared-${kind}`, kind, size: 60_000 };
    assertClean(`${label} (warm-up)`, await lw.run({ url, pool, connections: CONNECTIONS, duration: WARMUP_SECONDS, expect }), true);
    const r = await lw.run({ url, pool, connections: CONNECTIONS, duration: SECONDS, expect });
    assertClean(label, r, true);
    rows.push({ label, r });
    return r;
  };
  // Ours dedupes: every request gets a fresh event id and a fixed amount (each answer awaited),
  // sized from the warm-up's rate to last about SECONDS, so accepted events are counted exactly.
  const counted = async (label: string, kind: EventKind, expect: LoadJob['expect']) => {
    const warmAmount = 6_000;
    const warm = await lw.run({ url: t!.url, pool: { name: `ours-${kind}-warm`, kind, size: warmAmount }, connections: CONNECTIONS, amount: warmAmount, expect });
    assertClean(`${label} (warm-up)`, warm);
    accepted += warm.ok;
    const amount = Math.min(150_000, Math.max(20_000, Math.round(warm.rps * SECONDS)));
    const r = await lw.run({ url: t!.url, pool: { name: `ours-${kind}`, kind, size: amount }, connections: CONNECTIONS, amount, expect });
    assertClean(label, r);
    accepted += r.ok;
    rows.push({ label, r });
    return r;
  };

  const emptyRoute = await timed('empty Fastify route', emptyUrl, 'card', { equals: '{}' });
  const sdkCard = await timed('SDK adaptDefault, card click', sdkUrl, 'card', { equals: '{}' });
  const sdkMessage = await timed('SDK adaptDefault, message', sdkUrl, 'message', { equals: '{}' });
  const sdkExpected = rows.filter((x) => x.label.startsWith('SDK')).reduce((n, x) => n + x.r.ok, 0);
  const oursCard = await counted('ours, card click (approve)', 'card', { contains: '"type":"success"' });
  const oursMessage = await counted('ours, message (im.message.receive_v1)', 'message', { equals: '{}' });

  // --- fixed rate ----------------------------------------------------------------------------
  // autocannon's overallRate caps each connection at RATE / connections requests per second
  // (counted per one-second window); with a few connections each one is busy most of the second,
  // so the arrivals are close to even. Latencies are the raw response times (no correction).
  const rateJob = { url: t.url, connections: RATE_CONNECTIONS, overallRate: RATE, expect: RATE_KIND === 'card' ? { contains: '"type":"success"' } : { equals: '{}' } } as const;
  const rateWarm = await lw.run({ ...rateJob, pool: { name: 'ours-rate-warm', kind: RATE_KIND, size: RATE * WARMUP_SECONDS }, amount: RATE * WARMUP_SECONDS });
  assertClean('fixed rate (warm-up)', rateWarm);
  accepted += rateWarm.ok;
  const rate = await lw.run({ ...rateJob, pool: { name: 'ours-rate', kind: RATE_KIND, size: RATE * SECONDS }, amount: RATE * SECONDS });
  assertClean('fixed rate', rate);
  accepted += rate.ok;

  // --- dedupe and durability -----------------------------------------------------------------
  // Redelivery of events already accepted (Feishu retries): answered 200, nothing enqueued.
  const replayed = await Promise.all([
    lw.run({ url: t.url, pool: { name: 'ours-card', kind: 'card', size: 0 }, connections: 8, amount: 2_000, expect: { equals: '{}' } }),
    lw.run({ url: t.url, pool: { name: 'ours-message', kind: 'message', size: 0 }, connections: 8, amount: 2_000, expect: { equals: '{}' } }),
  ]);
  for (const r of replayed) assertClean('replay', r);
  const counts = await app.queues.inbound.getJobCounts();
  const jobs = Object.values(counts).reduce((a, b) => a + b, 0);
  let dedupeKeys = 0;
  let cursor = '0';
  do {
    const [next, keys] = await app.redis.scan(cursor, 'MATCH', `${t.prefix}:dedupe:feishu:*`, 'COUNT', 5000);
    cursor = next;
    dedupeKeys += keys.length;
  } while (cursor !== '0');

  // --- report --------------------------------------------------------------------------------
  const f = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
  const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
  console.log(`\n${pad('', 40)}${lpad('req/s', 9)}${lpad('p50 ms', 9)}${lpad('p99 ms', 9)}${lpad('requests', 10)}`);
  for (const { label, r } of rows) console.log(`${pad(label, 40)}${lpad(f(r.rps), 9)}${lpad(f(r.p50, 2), 9)}${lpad(f(r.p99, 2), 9)}${lpad(f(r.responses), 10)}`);
  const ratio = (a: LoadResult, b: LoadResult) => `${(a.rps / b.rps).toFixed(2)}×`;
  console.log(`\nours / SDK adapter:  card click ${ratio(oursCard, sdkCard)}, message ${ratio(oursMessage, sdkMessage)}   (target ≥ ${TARGETS.speedup}×)`);
  console.log(`ours / empty route:  card click ${ratio(oursCard, emptyRoute)}, message ${ratio(oursMessage, emptyRoute)}   (SDK: ${ratio(sdkCard, emptyRoute)})`);
  console.log(
    `fixed rate ${f(RATE)}/s for ${SECONDS} s, ${RATE_KIND === 'card' ? 'card clicks' : 'messages'} to ours, ${RATE_CONNECTIONS} connections: achieved ${f(rate.rps)} req/s, p50 ${f(rate.p50, 2)} ms, p99 ${f(rate.p99, 2)} ms, max ${f(rate.max, 1)} ms   (target p99 ≤ ${TARGETS.p99Ms} ms)`,
  );
  console.log(`SDK handlers ran ${f(sdkHandled)} times for ${f(sdkExpected)} measured + warm-up answers (its signature check passed)`);
  console.log(`events accepted by ours ${f(accepted)}, inbound jobs ${f(jobs)}, dedupe keys ${f(dedupeKeys)}; ${f(replayed[0]!.ok + replayed[1]!.ok)} redeliveries answered 200 and enqueued nothing: ${jobs === accepted && dedupeKeys === accepted ? 'OK' : 'MISMATCH'}`);
  const speedOk = oursCard.rps >= TARGETS.speedup * sdkCard.rps && oursMessage.rps >= TARGETS.speedup * sdkMessage.rps;
  const rateOk = rate.rps >= RATE * 0.98 && rate.p99 <= TARGETS.p99Ms;
  console.log(`targets: throughput ≥ ${TARGETS.speedup}× SDK ${speedOk ? 'met' : 'MISSED'}; ${f(RATE)}/s with p99 ≤ ${TARGETS.p99Ms} ms ${rateOk ? 'met' : 'MISSED'}   (${((Date.now() - started) / 1000).toFixed(0)} s in all)`);
  if (jobs !== accepted || dedupeKeys !== accepted) process.exitCode = 1;
} finally {
  await load?.close();
  if (sdk) {
    sdk.closeAllConnections();
    await new Promise((r) => sdk!.close(r));
  }
  await empty?.close();
  await t?.close();
  await harness?.release();
}
