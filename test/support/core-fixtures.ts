// Builders for pure core tests: the example organisation with workflows swapped in.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { createCalendar } from '../../src/core/calendar/index.js';
import { act, submit, type CoreContext } from '../../src/core/lifecycle.js';
import type { Action, RequestState, TransitionOk } from '../../src/core/model.js';
import type { Clock } from '../../src/core/reminders.js';
import type { Payload } from '../../src/core/request-types.js';
import type { Directory } from '../../src/org/directory.js';
import { EXAMPLE_ORG_FILE, directoryFromText } from '../../src/org/load.js';

export function orgWith(workflows: unknown[]): Directory {
  const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as Record<string, unknown>;
  org.workflows = workflows;
  return directoryFromText(stringify(org));
}

export const exampleDir = () => directoryFromText(readFileSync(EXAMPLE_ORG_FILE, 'utf8'));

export const NOW = new Date('2026-11-23T02:00:00Z'); // Monday 10:00 in Shanghai

/** A Shanghai wall-clock time: sh('2026-11-23 10:00'). */
export const sh = (s: string) => new Date(`${s.replace(' ', 'T')}:00+08:00`);

/** The example organisation's working-day calendar (Shanghai, 09:00–18:00) and the reminders' clock over it. */
export const shanghaiCalendar = createCalendar({ timezone: 'Asia/Shanghai', businessHours: { start: '09:00', end: '18:00' } });
export const shanghaiClock: Clock = { calendar: shanghaiCalendar, dayLengthMs: 9 * 3_600_000, timezone: 'Asia/Shanghai' };

/** The result of a service call that must succeed (its refusal, as JSON, otherwise). */
export const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};

export function eventPayload(over: Payload = {}): Payload {
  return {
    name: '冬季车主答谢会',
    category: 'regular',
    eventType: '客户答谢会',
    format: '晚宴',
    start: '2026-12-20T10:00:00.000Z',
    end: '2026-12-20T13:00:00.000Z',
    location: '杭州',
    content: '新车介绍',
    headcount: 80,
    participants: '老车主',
    budget: [
      { item: '场地', amount: 8000 },
      { item: '餐饮', amount: 12000 },
    ],
    purpose: '回馈',
    runSheet: '签到',
    safety: '消防',
    onSiteLead: '李明',
    ...over,
  };
}

export function ctxFor(dir: Directory, type = 'event', now = NOW): CoreContext {
  return { dir, wf: dir.workflowFor(type)!, now };
}

/** A submission the test expects to be accepted (its refusal, as JSON, otherwise). */
export function submitOk(...args: Parameters<typeof submit>): TransitionOk {
  const t = submit(...args);
  if (!t.ok) throw new Error(`submit refused: ${JSON.stringify(t)}`);
  return t;
}

let n = 0;
export function submitted(dir: Directory, applicantId = 'liming', payload: Payload = eventPayload(), type = 'event'): RequestState {
  n += 1;
  const t = submitOk(ctxFor(dir, type), { id: `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`, number: `A-${n}`, type, title: String(payload.name ?? type), applicantId, payload }, 'local');
  return t.state;
}

/** Apply an action that must succeed. */
export function must(dir: Directory, s: RequestState, action: Action, personId: string): TransitionOk {
  const t = act(s, action, { personId, platform: 'local' }, ctxFor(dir, s.type));
  if (!t.ok) throw new Error(`${action.type} by ${personId} refused: ${t.code}`);
  return t;
}
