// A known set of requests for the console's dashboard and its pictures, made through the real
// approval service on a clock the test moves: content reviews decided after known hours, two
// left overdue, and one event taken through its whole lifecycle (budget, score, reimbursement).
// Now ends at Wednesday 2026-12-02 09:00 (Shanghai): "last week" is 23–29 November.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { EXAMPLE_ORG_FILE, directoryFromText } from '../../src/org/load.js';
import type { TestApp } from './app.js';
import { eventPayload, sh } from './core-fixtures.js';
import { png } from './files.js';

/** The example organisation with content reviews out of every room: only their chain and the managers above see them. */
export function privateReviewsOrg() {
  const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as { workflows: Array<Record<string, unknown>> };
  delete org.workflows.find((w) => w.requestType === 'content_review')!.rooms;
  return directoryFromText(stringify(org));
}

export const SEED_NOW = sh('2026-12-02 09:00');

/** A clock the app reads (`startTestApp(..., { now: clock.now })`) and the seed moves. */
export function seedClock(start = sh('2026-11-23 10:00')) {
  let at = start;
  return { now: () => at, set: (d: Date) => void (at = d) };
}

/** An invoice picture uploaded as the organiser (the app is in simulator mode: uploads are open). */
export async function invoice(t: TestApp): Promise<unknown> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(png(7))], { type: 'image/png' }), '发票.png');
  const r = await fetch(`${t.url}/api/files?type=reimbursement&field=invoiceFiles&uploaderId=liming`, { method: 'POST', body: form });
  if (r.status !== 201) throw new Error(`upload: ${r.status} ${await r.text()}`);
  return ((await r.json()) as { files: unknown[] }).files[0];
}

export interface Seeded {
  /** East marketing (liming → liuyang → zhouqiang): decided after 2 h and 22 h. */
  eastDone: string;
  /** HQ marketing (sunli → zhaolei → chenjie): first step after 6 h, the second overdue. */
  hqOverdue: string;
  /** East marketing, waiting on liuyang since Wednesday, overdue. */
  eastOverdue: string;
  /** The event (budget 20,000), its reimbursement (18,500 approved) and score (34 + 52). */
  event: string;
}

export async function seedConsole(t: TestApp, clock: ReturnType<typeof seedClock>): Promise<Seeded> {
  const svc = t.app.approvals;
  const ok = <T extends { ok: boolean }>(r: T) => {
    if (!r.ok) throw new Error(JSON.stringify(r));
    return r as Extract<T, { ok: true }>;
  };
  const as = (personId: string) => ({ personId, platform: 'local' as const });
  const at = async (wall: string, fn: () => Promise<unknown>) => {
    clock.set(sh(wall));
    await fn();
  };
  const submit = async (applicantId: string, type: string, payload: Record<string, unknown>) => ok(await svc.submit({ applicantId, type, payload, platform: 'local' })).state;
  const approve = async (id: string, stepId: string, who: string) => void ok(await svc.act(id, { type: 'approve', stepId }, as(who)));

  clock.set(sh('2026-11-23 10:00'));
  const eastDone = await submit('liming', 'content_review', { title: '华东周末推文', channel: '公众号', content: '周末试驾' });
  const hqOverdue = await submit('sunli', 'content_review', { title: '总部新品推文', channel: '微博', content: '新品发布' });
  await at('2026-11-23 12:00', () => approve(eastDone.id, 'supervisor', 'liuyang'));
  await at('2026-11-23 16:00', () => approve(hqOverdue.id, 'supervisor', 'zhaolei'));
  await at('2026-11-24 10:00', () => approve(eastDone.id, 'leader', 'zhouqiang'));
  clock.set(sh('2026-11-25 10:00'));
  const eastOverdue = await submit('liming', 'content_review', { title: '华东试驾海报', channel: '朋友圈', content: '试驾报名' });

  // An event in east marketing: approved after 4 h, ended, summarised, scored, reimbursed.
  clock.set(sh('2026-11-02 09:00'));
  const event = await submit('liming', 'event', eventPayload({ start: '2026-11-20T10:00:00.000Z', end: '2026-11-20T13:00:00.000Z' }));
  await at('2026-11-02 13:00', () => approve(event.id, 'dept-lead', 'liuyang'));
  clock.set(sh('2026-11-21 09:00'));
  ok(await svc.advance(event.id, 'event_ended'));
  const summary = await submit('liming', 'summary', { eventRef: event.number, overview: '顺利', attendance: 76, results: '意向 12 台', feedback: '满意', problems: '签到慢', lessons: '提前备场', safetyReview: '无事故', actualSpend: [{ item: '场地', amount: 8000 }] });
  await approve(summary.id, 'dept-lead', 'liuyang');
  const scoring = await submit('liuyang', 'scoring', { eventRef: event.number, qualitative: 34, quantitative: 52, comments: '组织有序' });
  await approve(scoring.id, scoring.steps[scoring.current!]!.id, 'zhaolei');
  const claim = await submit('liming', 'reimbursement', { eventRef: event.number, items: [{ item: '场地', amount: 8000 }, { item: '餐饮', amount: 10500 }], invoices: '04400231', invoiceFiles: [await invoice(t)] });
  await approve(claim.id, 'dept-lead', 'liuyang');
  await approve(claim.id, 'finance', 'wangfang');

  clock.set(SEED_NOW);
  return { eastDone: eastDone.number, hqOverdue: hqOverdue.number, eastOverdue: eastOverdue.number, event: event.number };
}
