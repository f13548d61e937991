// The app says when the planning horizon holds a provisional holiday year: a start-up warning
// and a /readyz detail (readiness itself is not affected); an official arrangement in the
// organisation file silences both.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Directory } from '../../src/org/directory.js';
import { exampleDir } from '../support/core-fixtures.js';
import { startTestApp, type TestApp } from '../support/app.js';

function capture() {
  const lines: Array<{ level: number; msg: string; years?: number[] }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as (typeof lines)[number]);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const dec2026 = () => new Date('2026-12-04T02:00:00Z');

describe('provisional holiday years at start-up', () => {
  it('warns in the log and reports it in /readyz (still ready)', async () => {
    const { log, lines } = capture();
    t = await startTestApp({ ADMIN_TOKEN: 'readyz-token-123456' }, { log, now: dec2026 });
    const warning = lines.find((l) => l.level === 40 && l.msg.startsWith('calendar:'));
    expect(warning?.years).toEqual([2027]);
    expect(warning?.msg).toMatch(/no official holiday arrangement for 2027/);
    // Details are for operators (the admin token); everyone else sees only the verdicts.
    expect(await (await fetch(`${t.url}/readyz`)).json()).toMatchObject({ ok: true, checks: { calendar: { ok: true } } });
    const res = await fetch(`${t.url}/readyz`, { headers: { authorization: 'Bearer readyz-token-123456' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    expect(body.checks.calendar).toEqual({ ok: true, detail: expect.stringMatching(/^provisional 2027: holidays computed by law/) });
  });

  it('says nothing once the organisation file carries the arrangement', async () => {
    const { log, lines } = capture();
    const org = structuredClone(exampleDir().org);
    org.organisation.calendar.official = { 2027: { holidays: ['2027-01-01'], workdays: [] } };
    t = await startTestApp({}, { log, now: dec2026, dir: new Directory(org) });
    expect(lines.filter((l) => l.msg.startsWith('calendar:'))).toEqual([]);
    const body = (await (await fetch(`${t.url}/readyz`)).json()) as { checks: Record<string, unknown> };
    expect(body.checks.calendar).toBeUndefined();
  });
});
