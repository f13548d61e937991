// The simulator's demo clock on the whole app (real Postgres and Redis, the simulator channel):
// fast-forwarding to the next reminder, the deadline and the next digest makes each happen now,
// through its normal path and once; the clock only moves forward and is shared through Redis;
// an instance on a fixed clock (or next to a real platform) has no such control.
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { simApp, startTestApp } from '../support/app.js';
import { REDIS_URL } from '../support/env.js';
import { EVENT_FORM } from '../support/sim-client.js';
import { waitFor } from '../support/wait.js';

const app = simApp();

interface ClockState {
  now: string;
  offsetMs: number;
  targets: Record<'reminder' | 'deadline' | 'event_end' | 'digest', string | null>;
}
const clock = async () => (await (await fetch(`${app.t.url}/api/sim/clock`)).json()) as ClockState;
const jump = async (to: string) => {
  const r = await fetch(`${app.t.url}/api/sim/clock`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to }) });
  return { status: r.status, body: (await r.json()) as ClockState & { error?: string; code?: string } };
};
const dm = async (who: string) => (await app.sim.history(who)).filter((m) => m.conversation === `dm:${who}` && m.kind === 'text').map((m) => m.text ?? '');

describe('demo clock', () => {
  it('is announced to the page and refuses a jump with nothing to jump to', async () => {
    const boot = (await (await fetch(`${app.t.url}/api/sim/bootstrap`)).json()) as { demoClock: boolean };
    expect(boot.demoClock).toBe(true);
    const s = await clock();
    expect(s.offsetMs).toBe(0);
    expect(s.targets).toMatchObject({ reminder: null, deadline: null, event_end: null });
    expect(new Date(s.targets.digest!).getTime()).toBeGreaterThan(Date.now());
    const r = await jump('reminder');
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 'nothing_pending', error: '没有待发生的「下一个提醒」' });
    expect((await jump('someday')).status).toBe(400);
    expect((await clock()).offsetMs).toBe(0);
  });

  it('fast-forwards to the reminder, the deadline and the digest; each happens once', async () => {
    const r = await app.sim.act('liming', null, { a: 'submit', t: 'event' }, EVENT_FORM);
    expect(r.body.status).toBe('accepted');
    const submitted = await waitFor('the submission', async () => (await dm('liming')).find((x) => x.startsWith('已提交申请')));
    const number = /A-\d{4}/.exec(submitted)![0];

    const before = await waitFor('a reminder to jump to', async () => (await clock()).targets.reminder ?? undefined);
    const moved = await jump('reminder');
    expect(moved.status).toBe(200);
    expect(new Date(moved.body.now).getTime()).toBeGreaterThan(new Date(before).getTime());
    expect(moved.body.offsetMs).toBeGreaterThan(0);
    const reminders = async () => (await dm('liuyang')).filter((x) => x.startsWith(`催办：申请 ${number}`));
    await waitFor('the reminder', async () => ((await reminders()).length ? true : undefined));

    // The deadline: the step escalates to the applicant's parent department lead.

    const deadline = await jump('deadline');
    expect(deadline.status).toBe(200);
    expect(deadline.body.offsetMs).toBeGreaterThan(moved.body.offsetMs);
    const escalation = await waitFor('the escalation', async () => (await dm('zhouqiang')).find((x) => x.startsWith('超时提醒：')));
    expect(escalation).toContain(number);

    // The digest of the next working day reaches the managers (each jump that crossed a digest
    // time caught that day's up already: one per day).
    await app.t.idle();
    const digests = async () => (await dm('liuyang')).filter((x) => x.startsWith('每日摘要'));
    const sent = (await digests()).length;
    const digest = await jump('digest');
    expect(digest.status).toBe(200);
    await waitFor('the digest', async () => ((await digests()).length === sent + 1 ? true : undefined));
    await app.t.idle();

    // Once each: a recovery after the jump, or another, fires nothing twice.
    await app.t.app.scheduler.recover();
    await app.t.idle();
    expect((await dm('zhouqiang')).filter((x) => x.startsWith('超时提醒：') && x.includes(number))).toHaveLength(1);
    expect(await digests()).toHaveLength(sent + 1);
    const timeline = (await app.sim.request(number)).timeline.map((e) => e.action);
    expect(timeline.filter((a) => a === 'escalated')).toHaveLength(1);
  });

  it('only moves forward, and the offset is shared through Redis', async () => {
    const r = new Redis(REDIS_URL);
    try {
      const key = `${app.t.prefix}:demo-clock:offset`;
      const stored = Number(await r.get(key));
      expect(stored).toBe((await clock()).offsetMs);
      // Another replica jumped further: this one follows within its refresh.
      await r.set(key, String(stored + 3_600_000));
      await waitFor('the shared offset', async () => ((await clock()).offsetMs === stored + 3_600_000 ? true : undefined));
      // A smaller value (a stale writer) never moves the clock back.
      await r.set(key, '5');
      await new Promise((res) => setTimeout(res, 1_500));
      expect((await clock()).offsetMs).toBe(stored + 3_600_000);
    } finally {
      r.disconnect();
    }
  });
});

describe('without the demo clock', () => {
  it('an app on a given clock has no clock routes and says so to the page', async () => {
    const fixed = await startTestApp({}, { now: () => new Date() });
    try {
      expect((await fetch(`${fixed.url}/api/sim/clock`)).status).toBe(404);
      const boot = (await (await fetch(`${fixed.url}/api/sim/bootstrap`)).json()) as { demoClock: boolean };
      expect(boot.demoClock).toBe(false);
    } finally {
      await fixed.close();
    }
  });
});
