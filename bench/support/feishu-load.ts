// The load generator of bench/feishu-ingest, run in a worker thread (its own event loop, so it
// does not queue behind the server under test; it still shares the machine's CPUs with it).
// It builds pools of signed, encrypted Feishu events with distinct event ids — the way Feishu
// sends them with an Encrypt Key — and fires them with autocannon, one pool entry per request.
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import autocannon from 'autocannon';
import { feishuEncrypt, feishuSignHeaders } from '../../test/fakes/feishu-server.js';

export type EventKind = 'message' | 'card';

export interface PoolSpec {
  /** Pools are kept by name, so a later run can replay one (the dedupe check). */
  name: string;
  kind: EventKind;
  size: number;
}

export interface LoadJob {
  url: string;
  pool: PoolSpec;
  connections: number;
  /** Exactly this many requests (every response is awaited), or for `duration` seconds. */
  amount?: number;
  duration?: number;
  overallRate?: number;
  /** Also count the answers that arrived within this many seconds of the start (`inWindow`). */
  windowSeconds?: number;
  /** Every answer must be this body (or contain it, for `contains`), else it counts as a mismatch. */
  expect: { equals: string } | { contains: string };
}

export interface LoadResult {
  sent: number;
  responses: number;
  ok: number;
  statusCodes: Record<string, number>;
  mismatches: number;
  errors: number;
  timeouts: number;
  /** From autocannon's start to the last response, ms. */
  elapsedMs: number;
  rps: number;
  /** Answers within `windowSeconds` of the start (0 without a window). */
  inWindow: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** The run sent more requests than the pool holds, so some event ids went twice. */
  wrapped: boolean;
}

export interface FeishuIdentity {
  appId: string;
  token: string;
  encryptKey: string;
  /** The open approvals card clicks approve (entry i clicks request i mod n), and who clicks. */
  requests: Array<{ id: string; stepId: string }>;
  approverOpenId: string;
  applicantOpenId: string;
}

export type WorkerIn = { type: 'init'; identity: FeishuIdentity } | { type: 'prepare'; id: number; pool: PoolSpec } | { type: 'run'; id: number; job: LoadJob };
export type WorkerOut = { type: 'ready' } | { type: 'prepared'; id: number } | { type: 'result'; id: number; result: LoadResult } | { type: 'error'; id: number; message: string };

interface Sealed {
  body: string;
  headers: Record<string, string>;
}

const PATH = '/webhooks/feishu';
let identity: FeishuIdentity | undefined;
const pools = new Map<string, Sealed[]>();

function envelope(kind: EventKind, eventId: string, i: number, id: FeishuIdentity) {
  const now = String(Date.now());
  const header = { event_id: eventId, event_type: kind === 'card' ? 'card.action.trigger' : 'im.message.receive_v1', create_time: now, token: id.token, app_id: id.appId, tenant_key: 'tk_bench' };
  if (kind === 'card') {
    const target = id.requests[i % id.requests.length]!;
    return {
      schema: '2.0',
      header,
      event: {
        operator: { open_id: id.approverOpenId, user_id: 'u_approver', union_id: 'on_approver', tenant_key: 'tk_bench' },
        token: `c-${eventId}`,
        action: { tag: 'button', value: { a: 'approve', r: target.id, s: target.stepId } },
        host: 'im_message',
        context: { open_message_id: 'om_bench_card', open_chat_id: 'oc_bench_approvals' },
      },
    };
  }
  return {
    schema: '2.0',
    header,
    event: {
      sender: { sender_id: { open_id: id.applicantOpenId, user_id: 'u_applicant', union_id: 'on_applicant' }, sender_type: 'user', tenant_key: 'tk_bench' },
      message: { message_id: `om_${eventId}`, chat_id: 'oc_bench_p2p', chat_type: 'p2p', message_type: 'text', content: JSON.stringify({ text: '我的申请' }), create_time: now },
    },
  };
}

function pool(spec: PoolSpec): Sealed[] {
  const existing = pools.get(spec.name);
  if (existing && existing.length >= spec.size) return existing;
  const id = identity!;
  const out = existing ?? [];
  for (let i = out.length; i < spec.size; i++) {
    // Distinct per pool and per entry: what the receiver dedupes on.
    const eventId = `bench_${spec.name}_${i.toString(36).padStart(6, '0')}`;
    const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify(envelope(spec.kind, eventId, i, id)), id.encryptKey) });
    out.push({ body, headers: { 'content-type': 'application/json; charset=utf-8', ...feishuSignHeaders(body, id.encryptKey) } });
  }
  pools.set(spec.name, out);
  return out;
}

const quantile = (sorted: Float64Array, q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);

async function run(job: LoadJob): Promise<LoadResult> {
  const entries = pool(job.pool);
  let next = 0;
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let startedAt = 0;
  let lastAt = 0;
  // autocannon calls verifyBody synchronously right after it reports the same response.
  let lastStatus = 0;
  let ok = 0;
  let inWindow = 0;
  const windowMs = (job.windowSeconds ?? 0) * 1000;
  const expect = job.expect;
  const verifyBody = (b: string) => {
    const matched = 'equals' in expect ? b === expect.equals : b.includes(expect.contains);
    if (matched && lastStatus >= 200 && lastStatus < 300) ok++;
    return matched;
  };
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    pipelining: 1,
    timeout: 10,
    ...(job.amount ? { amount: job.amount } : { duration: job.duration ?? 10 }),
    ...(job.overallRate ? { overallRate: job.overallRate, ignoreCoordinatedOmission: true } : {}),
    verifyBody,
    requests: [
      {
        method: 'POST',
        path: PATH,
        setupRequest: (req) => {
          const e = entries[next++ % entries.length]!;
          return { ...req, headers: e.headers, body: e.body };
        },
      },
    ],
  });
  instance.on('start', () => {
    startedAt = performance.now();
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    lastAt = performance.now();
    if (lastAt - startedAt <= windowMs) inWindow++;
    lastStatus = statusCode;
    latencies.push(responseTime);
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
  });
  const r = await instance;
  const sorted = Float64Array.from(latencies).sort();
  const elapsedMs = lastAt - startedAt;
  const responses = latencies.length;
  return {
    sent: r.requests.sent,
    responses,
    ok,
    statusCodes,
    mismatches: r.mismatches,
    errors: r.errors,
    timeouts: r.timeouts,
    elapsedMs,
    rps: responses / (elapsedMs / 1000),
    inWindow,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    wrapped: next > entries.length,
  };
}

const port = parentPort;
if (port) {
  port.on('message', (msg: WorkerIn) => {
    if (msg.type === 'init') {
      identity = msg.identity;
      port.postMessage({ type: 'ready' } satisfies WorkerOut);
      return;
    }
    if (msg.type === 'prepare') {
      try {
        pool(msg.pool);
        port.postMessage({ type: 'prepared', id: msg.id } satisfies WorkerOut);
      } catch (err) {
        port.postMessage({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) } satisfies WorkerOut);
      }
      return;
    }
    run(msg.job).then(
      (result) => port.postMessage({ type: 'result', id: msg.id, result } satisfies WorkerOut),
      (err: unknown) => port.postMessage({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) } satisfies WorkerOut),
    );
  });
}
