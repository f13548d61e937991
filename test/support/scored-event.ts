// An event of the example organisation taken to `scored` through the approval service (approved,
// ended, summarised, scored), so a reimbursement can be filed against it.
import type { Approvals } from '../../src/services/approvals.js';
import type { RequestState } from '../../src/core/model.js';
import { eventPayload } from './core-fixtures.js';

const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r as Extract<T, { ok: true }>;
};
const by = (personId: string) => ({ personId, platform: 'local' as const });

/** 李明's event (budget ¥20,000 — see eventPayload) approved by 刘洋, ended, summarised and scored. */
export async function scoredEvent(approvals: Approvals, name = '冬季车主答谢会'): Promise<RequestState> {
  const event = ok(await approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload({ name }), platform: 'local' })).state;
  ok(await approvals.act(event.id, { type: 'approve', stepId: 'dept-lead' }, by('liuyang')));
  ok(await approvals.advance(event.id, 'event_ended'));
  const summary = { overview: '顺利', attendance: 76, results: '意向 12 台', feedback: '满意', problems: '签到慢', lessons: '提前备场', safetyReview: '无事故', actualSpend: [{ item: '场地', amount: 8000 }] };
  ok(await approvals.submit({ applicantId: 'liming', type: 'summary', payload: { eventRef: event.number, ...summary }, platform: 'local' }));
  const scoring = ok(await approvals.submit({ applicantId: 'liuyang', type: 'scoring', payload: { eventRef: event.number, qualitative: 34, quantitative: 52, comments: '组织有序' }, platform: 'local' })).state;
  const step = scoring.steps[scoring.current!]!;
  ok(await approvals.act(scoring.id, { type: 'approve', stepId: step.id }, by(step.approvers[0]!)));
  return (await approvals.load(event.id))!;
}
