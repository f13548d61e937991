// What one Feishu webhook event costs end to end over HTTP: autocannon fires signed, encrypted
// events (every one with its own event id) at these servers in the same process, one at a time:
//   (a) an empty route on the app's own Fastify server factory: the HTTP floor;
//   (b) the official SDK: `adaptDefault` + `EventDispatcher` on node:http, with encryptKey and
//       verificationToken, so it checks the signature (its check hashes JSON.stringify(body))
//       and decrypts; its handlers answer {} and keep nothing;
//   (c) ours: the whole app from test/support's startTestApp — signature over the raw bytes,
//       decrypt, token check, normalise, then ingest: SET NX dedupe in Redis, the click's
//       pre-check in Postgres, a BullMQ add (durable once Redis has it), and the ack; ingest
//       group-commits, so concurrent events share the round trips (one job per batch);
//   and, to tell the two halves of (c) apart, our receiver alone with ingest stubbed.
// The app runs as PROCESS_ROLE=web (a web replica): no workers consume the inbound queue, so the
// measure is receive + dedupe + enqueue + ack, and the clicks approve real, still-open requests
// (a consumed approve would close one and later clicks would be refused, not enqueued).
// Then a fixed-rate run against ours, and a check that jobs enqueued = distinct events accepted.
// The load generator is autocannon in a worker thread of this process: its own event loop, but
// the same CPUs as the servers, Redis and Postgres, so every figure here is a shared-CPU figure.
// Other work on the machine skews throughput badly on 2 cores, so each target is measured in
// several short rounds, interleaved with the others, and the round in which other processes used
// the least CPU is reported (with the spread of all rounds).
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import * as lark from '@larksuiteoapi/node-sdk';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createFeishuChannel } from '../src/channels/feishu/index.js';
import { createHttpServer } from '../src/http/server.js';
import { channelDeps } from '../test/support/channel-deps.js';
import type { TestApp } from '../test/support/app.js';
import { eventPayload } from '../test/support/core-fixtures.js';
import { feishuEncrypt, feishuSignHeaders } from '../test/fakes/feishu-server.js';
import { cpuSnapshot, otherCpu } from './support/cpu.js';
import { record } from './support/summary.js';
import type { EventKind, FeishuIdentity, LoadJob, LoadResult, PoolSpec, WorkerIn, WorkerOut } from './support/feishu-load.js';
import { testHarness, type TestHarness } from './support/test-app.js';

const PATH = '/webhooks/feishu';
const APP_ID = 'cli_bench0123456789';
const TOKEN = 'bench-verification-token';
const KEY = 'bench-encrypt-key';
const CONNECTIONS = 32;
const ROUNDS = 3;
const ROUND_SECONDS = 3;
const WARMUP_SECONDS = 1.5;
const RATE = 5_000;
const OPEN_REQUESTS = 100;
const RATE_SECONDS = 10;
const RATE_CONNECTIONS = 20;
/** Clicks top out far below RATE (see the throughput table), so the fixed rate uses messages. */
const RATE_KIND: EventKind = 'message';
/** A fixed-rate run during which others took more CPU than this (% of a core) is run once more. */
const RATE_RETRY_OTHER_CPU = 25;
const TARGETS = { speedup: 1.5, p99Ms: 20 };

const started = Date.now();
const log = pino({ level: 'silent' });
const cpus = os.cpus();
const loadavg = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`machine: ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${loadavg()}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`load generator: autocannon in a worker thread of this process (${CONNECTIONS} connections, no pipelining), sharing the CPUs with the servers, Redis and Postgres`);

// --- the load worker -------------------------------------------------------------------------
function startLoadWorker(identity: FeishuIdentity) {
  // Workers do not inherit tsx's hooks: register them, then load the TypeScript entry.
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./support/feishu-load.ts', import.meta.url).href;
  const worker = new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
  const waiting = new Map<number, { resolve: (r: LoadResult | undefined) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let failed: Error | undefined;
  worker.on('message', (m: WorkerOut) => {
    if (m.type === 'ready') return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.type === 'error') w?.reject(new Error(`load worker: ${m.message}`));
    else w?.resolve(m.type === 'result' ? m.result : undefined);
  });
  worker.on('error', (err) => {
    failed = err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  });
  worker.postMessage({ type: 'init', identity } satisfies WorkerIn);
  const call = (msg: (id: number) => WorkerIn) => {
    if (failed) return Promise.reject(failed);
    const id = ++seq;
    return new Promise<LoadResult | undefined>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage(msg(id));
    });
  };
  return {
    /** Builds (signs, encrypts) a pool ahead of the run that uses it. */
    prepare: async (pool: PoolSpec) => void (await call((id) => ({ type: 'prepare', id, pool }))),
    run: async (job: LoadJob) => (await call((id) => ({ type: 'run', id, job })))!,
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

type Measured = LoadResult & { other?: number };
/** The round least disturbed by other processes (the fastest, where that is unknown). */
const cleanest = (runs: Measured[]): Measured => runs.reduce((a, b) => ((b.other ?? 0) < (a.other ?? 0) || ((b.other ?? 0) === (a.other ?? 0) && b.rps > a.rps) ? b : a));

// --- setup -----------------------------------------------------------------------------------
let harness: TestHarness | undefined;
let t: TestApp | undefined;
let load: LoadWorker | undefined;
let empty: FastifyInstance | undefined;
let receiverOnly: FastifyInstance | undefined;
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
  // Real, open approvals: every click of their approver passes the pre-check and is enqueued.
  // Clicks spread over OPEN_REQUESTS of them, so a batch's pre-check loads many requests, not one.
  const open: Array<{ id: string; number: string; stepId: string; approver: string }> = [];
  for (let i = 0; i < OPEN_REQUESTS; i++) {
    const sub = await app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name: `压测活动 ${i + 1}` }), platform: 'feishu' });
    if (!sub.ok) throw new Error(`could not submit a request to click on: ${sub.code}`);
    const step = sub.state.current === null ? undefined : sub.state.steps[sub.state.current];
    if (!step) throw new Error('the submitted request has no open step');
    open.push({ id: sub.state.id, number: sub.state.number, stepId: step.id, approver: step.approvers[0]! });
  }
  const approver = open[0]!.approver;
  if (open.some((o) => o.approver !== approver)) throw new Error('the open requests have different approvers');
  const approverOpenId = app.dir.platformIdOf(approver, 'feishu');
  const applicantOpenId = app.dir.platformIdOf('liming', 'feishu');
  if (!approverOpenId || !applicantOpenId) throw new Error('the approver or the applicant has no Feishu id');
  const identity: FeishuIdentity = { appId: APP_ID, token: TOKEN, encryptKey: KEY, requests: open.map((o) => ({ id: o.id, stepId: o.stepId })), approverOpenId, applicantOpenId };

  // What ours answers, once each, checked before anything is measured.
  const probe = async (kind: EventKind) => {
    const header = { event_id: `bench_probe_${kind}`, event_type: kind === 'card' ? 'card.action.trigger' : 'im.message.receive_v1', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk_bench' };
    const event =
      kind === 'card'
        ? { operator: { open_id: approverOpenId }, action: { tag: 'button', value: { a: 'approve', r: open[0]!.id, s: open[0]!.stepId } }, context: { open_message_id: 'om_probe' } }
        : { sender: { sender_id: { open_id: applicantOpenId }, sender_type: 'user' }, message: { message_id: 'om_probe', chat_id: 'oc_probe', chat_type: 'p2p', message_type: 'text', content: '{"text":"我的申请"}' } };
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify({ schema: '2.0', header, event }), KEY) });
    const res = await fetch(`${t!.url}${PATH}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) } });
    return `${res.status} ${await res.text()}`;
  };
  const probes = { card: await probe('card'), message: await probe('message') };
  console.log(`clicks approve ${OPEN_REQUESTS} open requests (${open[0]!.number}…${open.at(-1)!.number}) as ${approver}; ours answers a click with ${probes.card}; a message with ${probes.message}`);
  if (!probes.card.startsWith('200 ') || !probes.card.includes('"type":"success"') || probes.message !== '200 {}') throw new Error('ours did not accept the probe events');
  let accepted = 2;

  empty = createHttpServer(log);
  empty.post(PATH, async () => ({}));
  await empty.listen({ port: 0, host: '127.0.0.1' });
  const emptyUrl = `http://127.0.0.1:${(empty.server.address() as AddressInfo).port}`;

  // Our receiver alone (verify, decrypt, token, normalise, ack) with ingest stubbed: the like-for-
  // like comparison with the SDK adapter, which does no I/O either.
  const channel = createFeishuChannel(
    channelDeps(app.config, app.redis, `${t.prefix}:receiver-only`, {
      log,
      dir: app.dir,
      ingest: async (e) => (e.kind === 'card_action' ? { status: 'accepted', feedback: { text: '已同意', tone: 'success' } } : { status: 'accepted' }),
    }),
  );
  receiverOnly = createHttpServer(log);
  channel.registerRoutes!(receiverOnly);
  await receiverOnly.listen({ port: 0, host: '127.0.0.1' });
  const receiverOnlyUrl = `http://127.0.0.1:${(receiverOnly.server.address() as AddressInfo).port}`;

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
  const redisCpu = async () => {
    const info = await app.redis.info('cpu');
    return ['used_cpu_sys', 'used_cpu_user'].reduce((n, k) => n + Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0), 0);
  };
  /** A run, with how much CPU other processes took meanwhile (% of one core). */
  const measured = async (job: LoadJob): Promise<Measured> => {
    await lw.prepare(job.pool);
    const before = await cpuSnapshot(redisCpu);
    const r = await lw.run(job);
    const other = otherCpu(before, await cpuSnapshot(redisCpu));
    return other === undefined ? r : { ...r, other };
  };

  // --- throughput ----------------------------------------------------------------------------
  interface Target {
    label: string;
    url: string;
    kind: EventKind;
    expect: LoadJob['expect'];
    /** Ours dedupes: fresh event ids and a fixed amount (each answer awaited), counted exactly. */
    counted: boolean;
    rps: number;
    runs: Measured[];
    answered: number;
  }
  const target = (label: string, url: string, kind: EventKind, expect: LoadJob['expect'], counted = false): Target => ({ label, url, kind, expect, counted, rps: 0, runs: [], answered: 0 });
  const ok = { equals: '{}' };
  const targets = {
    empty: target('empty Fastify route', emptyUrl, 'card', ok),
    sdkCard: target('SDK adaptDefault, card click', sdkUrl, 'card', ok),
    sdkMessage: target('SDK adaptDefault, message', sdkUrl, 'message', ok),
    receiver: target('ours, receiver only (ingest stubbed), message', receiverOnlyUrl, 'message', ok),
    oursCard: target('ours, card click (approve)', t.url, 'card', { contains: '"type":"success"' }, true),
    oursMessage: target('ours, message (im.message.receive_v1)', t.url, 'message', ok, true),
  };
  const runTarget = async (x: Target, round: number | 'warm'): Promise<Measured> => {
    let r: Measured;
    if (x.counted) {
      // Sized from the last rate seen to last about ROUND_SECONDS.
      const amount = round === 'warm' ? (x.kind === 'card' ? 1_500 : 6_000) : Math.min(100_000, Math.max(1_000, Math.round(x.rps * ROUND_SECONDS)));
      r = await measured({ url: x.url, pool: { name: `ours-${x.kind}-${round}`, kind: x.kind, size: amount }, connections: CONNECTIONS, amount, expect: x.expect });
      assertClean(`${x.label} (${round})`, r);
      accepted += r.ok;
    } else {
      // Stateless servers: fixed-duration runs over a shared pool (an event id may come round twice).
      const pool = { name: `shared-${x.kind}`, kind: x.kind, size: 60_000 };
      r = await measured({ url: x.url, pool, connections: CONNECTIONS, duration: round === 'warm' ? WARMUP_SECONDS : ROUND_SECONDS, expect: x.expect });
      assertClean(`${x.label} (${round})`, r, true);
    }
    x.rps = r.rps;
    x.answered += r.ok;
    return r;
  };
  for (const x of Object.values(targets)) await runTarget(x, 'warm');
  for (let round = 1; round <= ROUNDS; round++) {
    for (const x of Object.values(targets)) x.runs.push(await runTarget(x, round));
  }
  const best = Object.fromEntries(Object.entries(targets).map(([k, x]) => [k, cleanest(x.runs)])) as Record<keyof typeof targets, Measured>;

  // --- fixed rate ----------------------------------------------------------------------------
  // autocannon's overallRate caps each connection at RATE / connections requests per second,
  // counted per one-second window: a connection sends back to back until its quota is used, then
  // waits for the next window, so arrivals come in bursts at the start of each second rather than
  // evenly (harsher than a smooth 5,000/s). Latencies are raw response times (no correction).
  // RATE × RATE_SECONDS requests, all answered (so they can be counted); the achieved rate is
  // what was answered within the first RATE_SECONDS seconds.
  const rateJob = { url: t.url, connections: RATE_CONNECTIONS, overallRate: RATE, expect: ok } as const;
  const rateWarm = await measured({ ...rateJob, pool: { name: 'ours-rate-warm', kind: RATE_KIND, size: RATE * 2 }, amount: RATE * 2 });
  assertClean('fixed rate (warm-up)', rateWarm);
  accepted += rateWarm.ok;
  const rateRuns: Measured[] = [];
  for (let attempt = 1; attempt <= 2; attempt++) {
    const r = await measured({ ...rateJob, pool: { name: `ours-rate-${attempt}`, kind: RATE_KIND, size: RATE * RATE_SECONDS }, amount: RATE * RATE_SECONDS, windowSeconds: RATE_SECONDS });
    assertClean('fixed rate', r);
    accepted += r.ok;
    rateRuns.push(r);
    if ((r.other ?? 0) <= RATE_RETRY_OTHER_CPU) break;
  }
  const rate = cleanest(rateRuns);
  const achieved = (r: LoadResult) => r.inWindow / RATE_SECONDS;

  // --- dedupe and durability -----------------------------------------------------------------
  // Redelivery of events already accepted (Feishu retries): answered 200, nothing enqueued.
  const replayed = await Promise.all([
    lw.run({ url: t.url, pool: { name: 'ours-card-warm', kind: 'card', size: 0 }, connections: 8, amount: 1_500, expect: ok }),
    lw.run({ url: t.url, pool: { name: 'ours-message-warm', kind: 'message', size: 0 }, connections: 8, amount: 2_000, expect: ok }),
  ]);
  for (const r of replayed) assertClean('redelivery', r);
  // Ingest enqueues one job per batch (group commit): count the events the jobs hold.
  const counts = await app.queues.inbound.getJobCounts();
  const jobs = Object.values(counts).reduce((a, b) => a + b, 0);
  let queued = 0;
  for (let start = 0; start < jobs; start += 1000) {
    for (const job of await app.queues.inbound.getJobs(['waiting', 'delayed', 'prioritized'], start, start + 999)) queued += job?.data.events.length ?? 0;
  }
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
  const other = (r: { other?: number }) => (r.other === undefined ? '?' : `${f(r.other)} %`);
  console.log(`\n${pad('', 48)}${lpad('req/s', 9)}${lpad('p50 ms', 9)}${lpad('p99 ms', 9)}${lpad('other CPU', 11)}   req/s in all ${ROUNDS} rounds`);
  for (const x of Object.values(targets)) {
    const r = cleanest(x.runs);
    console.log(`${pad(x.label, 48)}${lpad(f(r.rps), 9)}${lpad(f(r.p50, 2), 9)}${lpad(f(r.p99, 2), 9)}${lpad(other(r), 11)}   ${x.runs.map((y) => `${f(y.rps)} (${other(y)})`).join(', ')}`);
  }
  console.log(`(rounds of ${ROUND_SECONDS} s, the one with the least "other CPU" shown: CPU that processes other than this one, Redis and Postgres took meanwhile, in % of one of the ${cpus.length} cores)`);
  const ratio = (a: LoadResult, b: LoadResult) => `${(a.rps / b.rps).toFixed(2)}×`;
  console.log(`\nours / SDK adapter:  card click ${ratio(best.oursCard, best.sdkCard)}, message ${ratio(best.oursMessage, best.sdkMessage)}   (target ≥ ${TARGETS.speedup}×)`);
  console.log(`ours / empty route:  card click ${ratio(best.oursCard, best.empty)}, message ${ratio(best.oursMessage, best.empty)}   (SDK: card ${ratio(best.sdkCard, best.empty)}, message ${ratio(best.sdkMessage, best.empty)})`);
  console.log(`our receiver alone / SDK adapter, message: ${ratio(best.receiver, best.sdkMessage)}   (the same work: verify, decrypt, answer; no I/O)`);
  for (const r of rateRuns) {
    console.log(
      `fixed rate ${f(RATE)}/s for ${RATE_SECONDS} s, messages to ours, ${RATE_CONNECTIONS} connections: achieved ${f(achieved(r))} req/s (all ${f(r.responses)} answered after ${(r.elapsedMs / 1000).toFixed(1)} s), p50 ${f(r.p50, 2)} ms, p99 ${f(r.p99, 2)} ms, max ${f(r.max, 1)} ms, other CPU ${other(r)}${rateRuns.length > 1 ? (r === rate ? '  ← reported' : '  (disturbed: run again)') : ''}`,
    );
  }
  const sdkAnswered = targets.sdkCard.answered + targets.sdkMessage.answered;
  // A duration-bound run ends with up to CONNECTIONS requests handled but never answered.
  console.log(`SDK handlers ran ${f(sdkHandled)} times for ${f(sdkAnswered)} answers (so its signature check passed: a failed one answers 200 with an empty body)`);
  const consistent = queued === accepted && dedupeKeys === accepted;
  console.log(`events accepted by ours ${f(accepted)}, events queued ${f(queued)} in ${f(jobs)} inbound jobs (${(queued / Math.max(1, jobs)).toFixed(1)} per batch), dedupe keys ${f(dedupeKeys)}; ${f(replayed[0].ok + replayed[1].ok)} redeliveries answered 200 and enqueued nothing: ${consistent ? 'OK' : 'MISMATCH'}`);
  const speedOk = best.oursCard.rps >= TARGETS.speedup * best.sdkCard.rps && best.oursMessage.rps >= TARGETS.speedup * best.sdkMessage.rps;
  const rateOk = achieved(rate) >= RATE * 0.98 && rate.p99 <= TARGETS.p99Ms;
  console.log(`targets: throughput ≥ ${TARGETS.speedup}× the SDK adapter ${speedOk ? 'met' : 'MISSED'}; ${f(RATE)}/s with p99 ≤ ${TARGETS.p99Ms} ms ${rateOk ? 'met' : 'MISSED'}`);
  // Issue 22: ours does strictly more than the SDK adapter (dedupe, authorise, durably enqueue) and must still keep up with it.
  for (const [label, ours, sdkRun] of [['card click', best.oursCard, best.sdkCard], ['message', best.oursMessage, best.sdkMessage]] as const) {
    record({ figure: `Feishu ingest, ${label}: ours / SDK adapter`, target: '≥ 1.00×', measured: `${f(ours.rps)} vs ${f(sdkRun.rps)} req/s`, ratio: ratio(ours, sdkRun), met: ours.rps >= sdkRun.rps });
  }
  record({ figure: `Feishu ingest, ${f(RATE)}/s messages`, target: `p99 ≤ ${TARGETS.p99Ms} ms`, measured: `${f(achieved(rate))}/s, p99 ${f(rate.p99, 2)} ms`, ratio: `${(rate.p99 / TARGETS.p99Ms).toFixed(2)}× target`, met: rateOk });
  console.log(`${((Date.now() - started) / 1000).toFixed(0)} s in all; load average now ${loadavg()}`);
  if (!consistent) process.exitCode = 1;
} finally {
  await load?.close();
  if (sdk) {
    sdk.closeAllConnections();
    await new Promise((r) => sdk!.close(r));
  }
  await empty?.close();
  await receiverOnly?.close();
  await t?.close();
  await harness?.release();
}
