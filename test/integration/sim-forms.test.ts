// A card form in the simulator is judged before it is answered: every field's error at once
// (422, nothing created, no chat message), or "submitted" only once the request exists.
import { describe, expect, it } from 'vitest';
import { simApp } from '../support/app.js';
import { EVENT_FORM } from '../support/sim-client.js';

const app = simApp();

/** A datetime-local value `days` from now in Asia/Shanghai at `hh:mm`. */
function local(days: number, time: string): string {
  const d = new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000);
  return `${d.toISOString().slice(0, 10)}T${time}`;
}

const dm = async (as: string) => (await app.sim.history(as)).filter((m) => m.conversation === `dm:${as}`);

describe('card forms in the simulator', () => {
  it('refuses a wrong form with every field’s error at once, and creates nothing', async () => {
    const before = (await dm('liming')).length;
    const r = await app.sim.act('liming', null, { a: 'submit', t: 'event' }, { ...EVENT_FORM, headcount: '0', budget: '场地', start: local(-3, '18:00'), end: local(-3, '21:00'), location: '' });
    expect(r.status).toBe(422);
    expect(r.body.status).toBe('refused');
    const fields = r.body.fields as Record<string, string>;
    expect(Object.keys(fields).sort()).toEqual(['budget', 'end', 'headcount', 'location', 'start']);
    expect(fields.headcount).toContain('大于 0');
    expect(fields.start).toContain('已经过去了');
    expect(fields.location).toContain('地点');
    await app.t.idle();
    expect((await dm('liming')).length).toBe(before);
    const detail = await fetch(`${app.t.url}/api/requests/A-0001`);
    expect(detail.status).toBe(404);
  });

  it('answers "submitted" once the request exists, and confirms in the DM', async () => {
    const r = await app.sim.act('liming', null, { a: 'submit', t: 'event' }, { ...EVENT_FORM, start: local(20, '18:00'), end: local(20, '21:00') });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'accepted', feedback: { tone: 'success' }, request: { number: 'A-0001' } });
    expect((r.body.feedback as { text: string }).text).toBe('已提交申请 A-0001，等待审批。');
    // The request is there as soon as the answer is.
    expect((await app.sim.request('A-0001')).request.status).toBe('pending');
    await app.t.idle();
    const texts = (await dm('liming')).map((m) => m.text);
    expect(texts.filter((x) => x === '已提交申请 A-0001，等待审批。')).toHaveLength(1);
  });

  it('a retry of the same submission finds the same request', async () => {
    const form = { ...EVENT_FORM, name: '重试的活动', start: local(21, '18:00'), end: local(21, '21:00') };
    const first = await app.sim.act('liming', null, { a: 'submit', t: 'event' }, form, 'retry-client-0001');
    const again = await app.sim.act('liming', null, { a: 'submit', t: 'event' }, form, 'retry-client-0001');
    expect(first.body.request).toEqual(again.body.request);
    expect(again.body.status).toBe('duplicate');
  });

  it('offers 加急 on a new request; an urgent one is marked on its card', async () => {
    const form = (await (await fetch(`${app.t.url}/api/sim/forms/event`)).json()) as { form: { inputs: Array<{ name: string; kind: string; value?: string; options?: Array<{ value: string }> }> } };
    expect(form.form.inputs.find((i) => i.name === 'urgent')).toMatchObject({ kind: 'select', value: 'no', options: [{ value: 'no' }, { value: 'yes' }] });
    const urgent = await app.sim.act('liming', null, { a: 'submit', t: 'event' }, { ...EVENT_FORM, name: '加急活动', start: local(22, '18:00'), end: local(22, '21:00'), urgent: 'yes' });
    const plain = await app.sim.act('liming', null, { a: 'submit', t: 'event' }, { ...EVENT_FORM, name: '普通活动', start: local(22, '18:00'), end: local(22, '21:00') });
    const u = (await app.sim.request((urgent.body.request as { number: string }).number)).request;
    const p = (await app.sim.request((plain.body.request as { number: string }).number)).request;
    expect(u.urgent).toBe(true);
    expect(p.urgent).toBe(false);
    const card = async (number: string) => ((await (await fetch(`${app.t.url}/api/requests/${number}`)).json()) as { card: { subtitle?: string } }).card;
    expect((await card(u.number)).subtitle).toBe('加急');
    expect((await card(p.number)).subtitle).toBeUndefined();
  });
});
