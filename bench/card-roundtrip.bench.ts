// What an approver feels: tap "同意" on a Feishu card, see the toast, see every copy of the card
// change. Many approvals are decided at once (each a signed, encrypted card.action.trigger posted
// to the app's webhook at the same moment); each request has two Feishu copies (the approver's
// DM and the approvals room). The fake Feishu answers every call after 30–80 ms and enforces the
// documented limits (sliding windows, counted on arrival): sends 5/s per chat, PATCHes 5/s per
// message, each API 50/s and 1000/min per app — 230020 or HTTP 429 99991400 beyond.
//   click → toast:       the webhook's answer (the toast is in it);
//   click → last copy:   the moment Feishu applied the last PATCH of that request's copies.
// Baseline, from the documented limits: N requests × 2 copies are 2N PATCHes, which the PATCH
// API's 50/s per app lets through in 2N / 50 s at best (the per-message 5/s never binds: one
// PATCH per copy). The old pacing used the per-chat *send* limit (5/s) for PATCHes too: the
// approver's N copies in one chat took N / 5 s. Setting up (carding N requests) is not measured:
// the fake's limits are off and the pacers' keys cleared meanwhile.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { and, eq, inArray } from 'drizzle-orm';
import { cardMessages, decisions } from '../src/store/schema.js';
import { eventPayload } from '../test/support/core-fixtures.js';
import { feishuEncrypt, feishuSignHeaders, startFakeFeishu } from '../test/fakes/feishu-server.js';
import { busiest, type Realism } from '../test/fakes/rate-limits.js';
import { record } from './support/summary.js';
import { testHarness } from './support/test-app.js';

const APP_ID = 'cli_roundtrip0000001';
const SECRET = 'roundtrip-secret';
const TOKEN = 'roundtrip-token';
const KEY = 'roundtrip-encrypt-key';
const LATENCY: readonly [number, number] = [30, 80];
const PATCH_PER_SECOND = 50;
const ROUNDS = (process.env.BENCH_ROUNDS ?? '20,50,200').split(',').map(Number);
const TARGETS = { toastP99Ms: 100, last20P99Ms: 1000, floorSlack: 1.1 };

const realism: Realism = {};
const fake = await startFakeFeishu({ appId: APP_ID, appSecret: SECRET, botOpenId: 'ou_bot', realism });
const harness = await testHarness();
const t = await harness.startTestApp({
  SIMULATOR: 'off',
  FEISHU_APP_ID: APP_ID,
  FEISHU_APP_SECRET: SECRET,
  FEISHU_VERIFICATION_TOKEN: TOKEN,
  FEISHU_ENCRYPT_KEY: KEY,
  FEISHU_BASE_URL: fake.url,
});
const { app } = t;
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const f = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

async function clearPacing(): Promise<void> {
  const keys = await app.redis.keys(`${t.prefix}:feishu:pace:*`);
  if (keys.length) await app.redis.del(...keys);
}

/** N open requests, each carded on Feishu twice (setup: unpaced, unmeasured). */
async function openRequests(n: number) {
  realism.latencyMs = undefined;
  realism.limits = false;
  const clearing = setInterval(() => void clearPacing(), 50);
  const open: Array<{ id: string; stepId: string; approver: string; messages: string[] }> = [];
  try {
    for (let i = 0; i < n; i++) {
      const sub = await app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name: `批量审批 ${i + 1}` }), platform: 'feishu' });
      if (!sub.ok) throw new Error(`submit refused: ${sub.code}`);
      const step = sub.state.steps[sub.state.current!]!;
      open.push({ id: sub.state.id, stepId: step.id, approver: step.approvers[0]!, messages: [] });
    }
    await t.idle(300_000);
  } finally {
    clearInterval(clearing);
  }
  await clearPacing();
  const rows = await app.database.db
    .select({ requestId: cardMessages.requestId, messageId: cardMessages.messageId })
    .from(cardMessages)
    .where(and(eq(cardMessages.platform, 'feishu'), inArray(cardMessages.requestId, open.map((o) => o.id))));
  for (const r of rows) if (r.messageId) open.find((o) => o.id === r.requestId)!.messages.push(r.messageId);
  if (open.some((o) => o.messages.length !== 2)) throw new Error(`expected two Feishu copies per request, got ${JSON.stringify(open.map((o) => o.messages.length))}`);
  return open;
}

async function click(o: { id: string; stepId: string; approver: string }, n: number): Promise<string> {
  const openId = app.dir.platformIdOf(o.approver, 'feishu')!;
  const header = { event_id: `rt_${n}_${o.id}`, event_type: 'card.action.trigger', create_time: String(Date.now()), token: TOKEN, app_id: APP_ID, tenant_key: 'tk_rt' };
  const event = { operator: { open_id: openId }, action: { tag: 'button', value: { a: 'approve', r: o.id, s: o.stepId } }, context: { open_message_id: 'om_rt' } };
  const body = JSON.stringify({ encrypt: feishuEncrypt(JSON.stringify({ schema: '2.0', header, event }), KEY) });
  const res = await fetch(`${t.url}/webhooks/feishu`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...feishuSignHeaders(body, KEY) } });
  return `${res.status} ${await res.text()}`;
}

async function round(n: number) {
  const open = await openRequests(n);
  realism.latencyMs = LATENCY;
  realism.limits = true;
  fake.limits.reset();
  const started = open.map(() => 0);
  const toast = open.map(() => 0);
  const answers = await Promise.all(
    open.map(async (o, i) => {
      started[i] = Date.now();
      const t0 = performance.now();
      const a = await click(o, n);
      toast[i] = performance.now() - t0;
      return a;
    }),
  );
  // Accepted with the toast, or (the pre-check took over a second) accepted without one: "200 {}".
  const bad = answers.filter((a) => !a.startsWith('200 ') || (!a.includes('"type":"success"') && a !== '200 {}'));
  if (bad.length) throw new Error(`${bad.length} clicks not accepted, e.g. ${bad[0]}`);
  const noToast = answers.filter((a) => a === '200 {}').length;
  // When Feishu applied each request's last copy.
  const last = open.map(() => NaN);
  const deadline = Date.now() + 120_000;
  while (last.some(Number.isNaN) && Date.now() < deadline) {
    for (const [i, o] of open.entries()) {
      if (!Number.isNaN(last[i]!)) continue;
      const at = o.messages.map((m) => fake.messages.get(m)?.patchedAt.find((x) => x >= started[i]!));
      if (at.every((x) => x !== undefined)) last[i] = Math.max(...(at as number[])) - started[i]!;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  if (last.some(Number.isNaN)) throw new Error(`${last.filter(Number.isNaN).length} requests never had every copy updated`);
  await t.idle(60_000);
  // Where the time went: click → decision recorded (ingest, the inbound worker, Postgres).
  const decided = await app.database.db.select({ requestId: decisions.requestId, at: decisions.createdAt }).from(decisions).where(inArray(decisions.requestId, open.map((o) => o.id)));
  const decide = decided.map((d) => d.at.getTime() - started[open.findIndex((o) => o.id === d.requestId)]!);
  const patches = fake.requests.filter((r) => r.method === 'PATCH' && r.at >= Math.min(...started)).map((r) => r.at);
  const refused = fake.limits.refused.length;
  // The whole benchmark process (app, fake Feishu, harness): an upper bound on the app's RSS under clicks.
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  realism.latencyMs = undefined;
  realism.limits = false;
  const floorMs = ((2 * n) / PATCH_PER_SECOND) * 1000;
  const perChatMs = (n / 5) * 1000;
  return { n, toastP50: q(toast, 0.5), toastP99: q(toast, 0.99), lastP50: q(last, 0.5), lastP99: q(last, 0.99), lastMax: Math.max(...last), floorMs, perChatMs, busiest: busiest(patches, 1000), refused, decideP50: q(decide, 0.5), decideP99: q(decide, 0.99), noToast, rssMb };
}

try {
  console.log(`Feishu only, 2 copies per request, ${LATENCY[0]}–${LATENCY[1]} ms per call, documented limits enforced by the fake`);
  console.log(`${'at once'.padEnd(8)}${'toast p50'.padStart(11)}${'toast p99'.padStart(11)}${'last p50'.padStart(10)}${'last p99'.padStart(10)}${'floor'.padStart(8)}${'p99/floor'.padStart(11)}${'old per-chat'.padStart(14)}${'busiest 1 s'.padStart(13)}${'refused'.padStart(9)}`);
  for (const n of ROUNDS) {
    const r = await round(n);
    console.log(
      `${String(r.n).padEnd(8)}${`${f(r.toastP50)} ms`.padStart(11)}${`${f(r.toastP99)} ms`.padStart(11)}${`${f(r.lastP50)} ms`.padStart(10)}${`${f(r.lastP99)} ms`.padStart(10)}${`${(r.floorMs / 1000).toFixed(1)} s`.padStart(8)}${`${(r.lastP99 / r.floorMs).toFixed(2)}×`.padStart(11)}${`${(r.perChatMs / 1000).toFixed(1)} s`.padStart(14)}${`${r.busiest} PATCH`.padStart(13)}${String(r.refused).padStart(9)}`,
    );
    console.log(`        click → decision recorded: p50 ${f(r.decideP50)} ms, p99 ${f(r.decideP99)} ms; clicks answered without a toast (pre-check over 1 s): ${r.noToast}; RSS of the benchmark process ${f(r.rssMb)} MB; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    record({ figure: `click → toast p99, ${n} at once`, target: `≤ ${TARGETS.toastP99Ms} ms`, measured: `${f(r.toastP99)} ms`, ratio: `${(r.toastP99 / TARGETS.toastP99Ms).toFixed(2)}× target`, met: r.toastP99 <= TARGETS.toastP99Ms });
    if (n === 20) record({ figure: 'click → last copy p99, 20 at once', target: `≤ ${TARGETS.last20P99Ms} ms`, measured: `${f(r.lastP99)} ms`, ratio: `${(r.lastP99 / TARGETS.last20P99Ms).toFixed(2)}× target`, met: r.lastP99 <= TARGETS.last20P99Ms });
    else record({ figure: `click → last copy p99, ${n} at once`, target: `≤ ${TARGETS.floorSlack}× floor (${(r.floorMs / 1000).toFixed(1)} s)`, measured: `${f(r.lastP99)} ms`, ratio: `${(r.lastP99 / r.floorMs).toFixed(2)}× floor`, met: r.lastP99 <= TARGETS.floorSlack * r.floorMs });
    record({ figure: `RSS under the click benchmark, ${n} at once (app + fakes, one process, Postgres-backed)`, target: '—', measured: `${f(r.rssMb)} MB`, ratio: '—' });
    record({ figure: `rate-limit errors, ${n} at once`, target: '0', measured: String(r.refused), ratio: '—', met: r.refused === 0 });
  }
  console.log(`floor: 2 × N PATCHes at Feishu's ${PATCH_PER_SECOND}/s per app for the PATCH API; "old per-chat": the approver's N copies at the per-chat send limit (5/s), how PATCHes were paced before; busiest 1 s: the most PATCHes Feishu saw in any second (the limit is ${PATCH_PER_SECOND})`);
} finally {
  await t.close();
  await harness.release();
  await fake.close();
}
