// The morning digest's fan-out (issue 22 item 3): N managers, a third on each of Feishu, DingTalk
// and WeCom, each fake answering after 30–80 ms and enforcing the platform's documented limits
// (sliding windows counted on arrival, the platform's own rate-limit error beyond):
//   Feishu   send API 50/s and 1,000/min per app;  DingTalk 20/s per API;  WeCom 10,000/min per API.
// Reports, with the load average:
//   - per platform, the achieved send rate against the best the documented limits allow for
//     that many sends (the floor: the same windows filled greedily from the first send);
//   - rate-limit errors (0 expected) and digests per manager (exactly 1 expected);
//   - a reminder (a non-bulk message) queued in the middle of the fan-out on each platform: its
//     queue → sent latency against the same reminder on the idle system (baseline, same run).
// BENCH_MANAGERS scales the managers (default 1,500: a few minutes on a loaded 2-core machine).
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { parse, stringify } from 'yaml';
import type { Queue } from 'bullmq';
import { and, eq, like } from 'drizzle-orm';
import { EXAMPLE_ORG_FILE } from '../src/org/load.js';
import type { DeliveryJob } from '../src/queue/jobs.js';
import { deliveriesDone } from '../src/store/schema.js';
import { FAKE_CLIENT_ID, FAKE_CLIENT_SECRET, startFakeDingtalk } from '../test/fakes/dingtalk-server.js';
import { startFakeStreamGateway } from '../test/fakes/dingtalk-stream-gateway.js';
import { startFakeFeishu } from '../test/fakes/feishu-server.js';
import type { Realism } from '../test/fakes/rate-limits.js';
import { FakeWecomServer } from '../test/fakes/wecom-server.js';
import { FS, WC } from '../test/support/all-platforms.js';
import { sh } from '../test/support/core-fixtures.js';
import { record } from './support/summary.js';
import { testHarness } from './support/test-app.js';

const MANAGERS = Number(process.env.BENCH_MANAGERS ?? 1_500);
const PLATFORMS = ['feishu', 'dingtalk', 'wecom'] as const;
type P = (typeof PLATFORMS)[number];
/** The documented windows of each platform's send API (max calls per ms). */
const DOCUMENTED: Record<P, Array<{ max: number; ms: number }>> = {
  feishu: [
    { max: 50, ms: 1_000 },
    { max: 1_000, ms: 60_000 },
  ],
  dingtalk: [{ max: 20, ms: 1_000 }],
  wecom: [{ max: 10_000, ms: 60_000 }],
};
const TARGETS = { rateShare: 0.95, reminderDelayMs: 1_000 };
const load = () => `load ${os.loadavg()[0]!.toFixed(2)}`;

/**
 * The least time (ms, first send to last) the documented windows allow for n sends, a per-second
 * window's calls spread evenly over its second (a burst would reach the platform bunched).
 */
function floorMs(n: number, windows: Array<{ max: number; ms: number }>): number {
  const t: number[] = [];
  for (let k = 0; k < n; k++) {
    let at = k ? t[k - 1]! : 0;
    for (const w of windows) {
      if (k >= w.max) at = Math.max(at, t[k - w.max]! + w.ms);
      if (k && w.ms <= 1_000) at = Math.max(at, t[k - 1]! + w.ms / w.max);
    }
    t.push(at);
  }
  return t.at(-1) ?? 0;
}

// ---- The organisation: the example's, plus MANAGERS department leads, each on one platform.
const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as { organisation: Record<string, unknown>; departments: unknown[]; people: unknown[] };
org.organisation.digest = { time: '08:30', allClear: true };
const platformOf = (i: number): P => PLATFORMS[i % 3]!;
for (let i = 0; i < MANAGERS; i++) {
  const p = platformOf(i);
  org.departments.push({ id: `d${i}`, name: `部门 ${i}`, lead: `m${i}`, parent: 'hq' });
  org.people.push({ id: `m${i}`, name: `经理 ${i}`, title: '经理', dept: `d${i}`, ids: { [p]: p === 'feishu' ? `ou_m${i}` : p === 'dingtalk' ? `dt_m${i}` : `M${i}` } });
}
const orgFile = `/tmp/qianpi-digest-bench-${process.pid}.yaml`;
writeFileSync(orgFile, stringify(org));

const realism: Realism = { latencyMs: [30, 80], limits: true };
const feishu = await startFakeFeishu({ appId: FS.appId, appSecret: FS.secret, botOpenId: 'ou_bot', realism });
const ding = await startFakeDingtalk({ realism });
const gateway = await startFakeStreamGateway({ acceptTicket: (ticket) => ding.tickets.has(ticket) });
ding.gatewayEndpoint = gateway.endpoint;
const wecom = await new FakeWecomServer({ corpId: WC.corpId, secret: WC.secret, agentId: WC.agentId, realism }).start();
const harness = await testHarness();
// Monday 08:25 in Shanghai (before the digest time: no catch-up at start-up), at real speed; the
// bench runs the digest job's work itself.
const offset = sh('2027-03-22 08:25').getTime() - Date.now();
const t = await harness.startTestApp(
  {
    ORG_FILE: orgFile,
    SIMULATOR: 'off',
    FEISHU_APP_ID: FS.appId,
    FEISHU_APP_SECRET: FS.secret,
    FEISHU_VERIFICATION_TOKEN: FS.token,
    FEISHU_ENCRYPT_KEY: FS.key,
    FEISHU_BASE_URL: feishu.url,
    DINGTALK_CLIENT_ID: FAKE_CLIENT_ID,
    DINGTALK_CLIENT_SECRET: FAKE_CLIENT_SECRET,
    DINGTALK_BASE_URL: ding.url,
    WECOM_CORP_ID: WC.corpId,
    WECOM_AGENT_ID: String(WC.agentId),
    WECOM_SECRET: WC.secret,
    WECOM_TOKEN: WC.token,
    WECOM_ENCODING_AES_KEY: WC.encodingAESKey,
    WECOM_BASE_URL: wecom.url,
  },
  { now: () => new Date(Date.now() + offset) },
);
const { app } = t;
const queues = app.queues.deliveries;

/** A reminder-like message (not bulk) to someone on platform p: ms from queued to sent. */
let reminders = 0;
async function reminder(p: P): Promise<number> {
  const id = `bench-reminder-${p}-${reminders++}`;
  const target = { type: 'user' as const, id: p === 'feishu' ? 'ou_liuyang' : p === 'dingtalk' ? 'dt_liuyang' : 'LiuYang', personId: 'liuyang' };
  const job: DeliveryJob = { type: 'message.send', platform: p, target, message: { text: `催办 ${id}` } };
  const q = queues.perPlatform.get(p)! as Queue<DeliveryJob>;
  const t0 = performance.now();
  await queues.add(job, id);
  for (;;) {
    const state = await q.getJobState(id);
    if (state === 'completed') return performance.now() - t0;
    if (state === 'failed') throw new Error(`reminder on ${p} failed`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

try {
  await gateway.waitForConnections(1, 10_000);
  // ---- Baseline: the reminder on the idle system (after one warm-up each).
  for (const p of PLATFORMS) await reminder(p);
  const idle = new Map<P, number>();
  for (const p of PLATFORMS) idle.set(p, Math.max(await reminder(p), await reminder(p), await reminder(p)));
  const idleLoad = load();
  for (const f of [feishu.limits, ding.limits, wecom.limits]) f.reset();

  // ---- The fan-out: the digest job's work, then every send; reminders interleaved.
  const started = performance.now();
  const run = app.scheduler.runDigest();
  const firstSend = new Map<P, number>();
  const drained = new Map<P, number>();
  const during = new Map<P, number[]>(PLATFORMS.map((p) => [p, []]));
  let composeMs = 0;
  void run.then(() => (composeMs = performance.now() - started));
  let lastReminder = 0;
  for (;;) {
    const now = performance.now();
    let busy = !composeMs;
    for (const p of PLATFORMS) {
      const c = await queues.bulk.get(p)!.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed');
      if (!firstSend.has(p) && c.completed! > 0) firstSend.set(p, now);
      const open = c.waiting! + c.active! + c.delayed! + c.prioritized!;
      if (open) busy = true;
      else if (composeMs && !drained.has(p)) drained.set(p, now);
    }
    if (!busy) break;
    if (now - lastReminder > 3_000 && firstSend.size) {
      lastReminder = now;
      const ms = await Promise.all(PLATFORMS.filter((p) => !drained.has(p)).map(async (p) => [p, await reminder(p)] as const));
      for (const [p, x] of ms) during.get(p)!.push(x);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const { sent } = await run;
  const fanLoad = load();

  // ---- Exactly one digest per manager and platform copy: the deliveries recorded done.
  // Every digest job id is ob-<row>-<platform>-u-<person>; one outbox row per manager and day.
  const rows = await app.database.db.select({ job: deliveriesDone.jobId }).from(deliveriesDone).where(and(like(deliveriesDone.jobId, 'ob-%'), eq(deliveriesDone.outcome, 'sent')));
  const perManager = new Map<string, number>();
  for (const r of rows) {
    const m = /-u-(m\d+)$/.exec(r.job);
    if (m) perManager.set(m[1]!, (perManager.get(m[1]!) ?? 0) + 1);
  }
  const notOnce = [...Array(MANAGERS).keys()].filter((i) => perManager.get(`m${i}`) !== 1).length;

  const refused = { feishu: feishu.limits.refused.length, dingtalk: ding.limits.refused.length, wecom: wecom.limits.refused.length };
  console.log(`managers: ${MANAGERS.toLocaleString('en-US')} (a third per platform) · digests recorded ${sent.length} · composed in ${(composeMs / 1000).toFixed(1)} s · not exactly one delivered: ${notOnce} · ${fanLoad}`);
  for (const p of PLATFORMS) {
    const n = Math.ceil((MANAGERS - PLATFORMS.indexOf(p)) / 3);
    const took = (drained.get(p) ?? NaN) - (firstSend.get(p) ?? NaN);
    const floor = floorMs(n, DOCUMENTED[p]);
    const share = floor / took;
    const worst = Math.max(0, ...during.get(p)!);
    console.log(
      `${p.padEnd(8)} ${n} sends in ${(took / 1000).toFixed(1)} s (floor ${(floor / 1000).toFixed(1)} s from ${DOCUMENTED[p].map((w) => `${w.max}/${w.ms / 1000}s`).join(' + ')}): ${(share * 100).toFixed(1)} % of the documented rate · rate-limit errors ${refused[p]} · reminder during fan-out max ${worst.toFixed(0)} ms (${during.get(p)!.length} sampled) vs idle ${idle.get(p)!.toFixed(0)} ms (${idleLoad}; ${fanLoad})`,
    );
    record({ figure: `digest fan-out ${p}: share of documented send rate`, target: `≥ ${TARGETS.rateShare * 100} %`, measured: `${(share * 100).toFixed(1)} % (${n} sends)`, ratio: `${share.toFixed(2)}× floor rate`, met: share >= TARGETS.rateShare });
    record({ figure: `digest fan-out ${p}: rate-limit errors`, target: '0', measured: String(refused[p]), ratio: '—', met: refused[p] === 0 });
    record({ figure: `reminder during digest fan-out, ${p}`, target: `≤ idle + ${TARGETS.reminderDelayMs} ms`, measured: `${worst.toFixed(0)} ms`, ratio: `${(worst / Math.max(1, idle.get(p)!)).toFixed(2)}× idle`, met: worst <= idle.get(p)! + TARGETS.reminderDelayMs });
  }
  record({ figure: `digests not delivered exactly once (${MANAGERS} managers)`, target: '0', measured: String(notOnce), ratio: '—', met: notOnce === 0 });
} finally {
  await t.close();
  await harness.release();
  await gateway.close();
  await ding.close();
  await feishu.close();
  await wecom.stop();
}
