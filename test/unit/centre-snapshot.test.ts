// The approval centres' reading of a request (src/core/centre.ts): tasks per approver and their
// status, a transferred task kept closed, everything closed once the request ends.
import { describe, expect, it } from 'vitest';
import { centreSnapshot, taskKey } from '../../src/core/centre.js';
import type { RequestState } from '../../src/core/model.js';

const base = (over: Partial<RequestState> = {}): RequestState => ({
  id: 'r1',
  number: 'A-1',
  type: 'event',
  title: '答谢会',
  applicantId: 'liming',
  deptId: 'east',
  status: 'pending',
  payload: {},
  round: 1,
  steps: [
    { id: 'lead', name: '部门负责人审批', kind: 'approval', mode: 'any', approvers: ['liuyang'], decisions: [], status: 'active', activatedAt: '2027-01-04T01:00:00.000Z', dueAt: '2027-01-11T01:00:00.000Z' },
    { id: 'hq', name: '总部', kind: 'approval', mode: 'all', approvers: ['zhaolei', 'sunli'], decisions: [], status: 'waiting' },
  ],
  current: 0,
  version: 1,
  urgent: false,
  createdAt: '2027-01-04T01:00:00.000Z',
  updatedAt: '2027-01-04T01:00:00.000Z',
  ...over,
});

describe('centreSnapshot', () => {
  it('one pending task per approver of the open step, none for waiting steps, due at the deadline', () => {
    const s = centreSnapshot(base(), {}, []);
    expect(s.status).toBe('pending');
    expect(s.tasks).toEqual([expect.objectContaining({ key: taskKey(1, 'lead', 'liuyang'), personId: 'liuyang', status: 'pending', dueAt: '2027-01-11T01:00:00.000Z' })]);
  });

  it('a decided step shows the decision; an approver who did not decide an `any` step is done', () => {
    const st = base().steps;
    st[0] = { ...st[0]!, approvers: ['liuyang', 'hanmei'], status: 'approved', decisions: [{ personId: 'liuyang', decision: 'approve', at: '2027-01-05T01:00:00.000Z', platform: 'feishu' }] };
    st[1] = { ...st[1]!, status: 'active' };
    const s = centreSnapshot(base({ steps: st, current: 1, version: 2 }), {}, []);
    const by = Object.fromEntries(s.tasks.map((x) => [x.personId, x.status]));
    expect(by).toEqual({ liuyang: 'approved', hanmei: 'done', zhaolei: 'pending', sunli: 'pending' });
  });

  it('a pending task no longer in the request (a transfer) is kept as transferred', () => {
    const st = base().steps;
    st[0] = { ...st[0]!, approvers: ['hanmei'] };
    const known = { [taskKey(1, 'lead', 'liuyang')]: { personId: 'liuyang', stepId: 'lead', round: 1, status: 'pending' } };
    const s = centreSnapshot(base({ steps: st, version: 2 }), known, []);
    expect(s.tasks.map((x) => [x.personId, x.status])).toEqual([
      ['hanmei', 'pending'],
      ['liuyang', 'transferred'],
    ]);
  });

  it('a withdrawn request closes every pending task', () => {
    const s = centreSnapshot(base({ status: 'withdrawn', version: 3, updatedAt: '2027-01-06T00:00:00.000Z' }), {}, ['wangfang']);
    expect(s.status).toBe('withdrawn');
    expect(s.endedAt).toBe('2027-01-06T00:00:00.000Z');
    expect(s.tasks.every((x) => x.status === 'done')).toBe(true);
    expect(s.cc).toEqual(['wangfang']);
  });
});
