// Property-based tests of the state machine: random action sequences by random people.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { act } from '../../src/core/lifecycle.js';
import { OPEN_STATUSES, REQUEST_STATUSES, type Action, type RequestState } from '../../src/core/model.js';
import { ctxFor, eventPayload, orgWith, submitted } from '../support/core-fixtures.js';

const dir = orgWith([
  {
    requestType: 'event',
    restartAt: 'lead',
    steps: [
      { id: 'lead', name: '部门', approvers: ['dept_lead'], mode: 'any' },
      { id: 'hq', name: '总部会签', approvers: ['role:hq_marketing'], mode: 'all' },
      { id: 'fin', name: '财务', approvers: ['role:finance', 'person:chenjie'], mode: 'any' },
    ],
  },
]);
const PEOPLE = dir.org.people.map((p) => p.id);
const STEPS = ['lead', 'hq', 'fin', 'signer-1', 'signer-2'];

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ type: fc.constant('approve' as const), stepId: fc.constantFrom(...STEPS) }),
  fc.record({ type: fc.constant('reject' as const), stepId: fc.constantFrom(...STEPS), reason: fc.constantFrom('', '不行') }),
  fc.record({ type: fc.constant('return' as const), stepId: fc.constantFrom(...STEPS), reason: fc.constantFrom('', '改') }),
  fc.record({ type: fc.constant('transfer' as const), stepId: fc.constantFrom(...STEPS), to: fc.constantFrom(...PEOPLE) }),
  fc.record({ type: fc.constant('add_signer' as const), stepId: fc.constantFrom(...STEPS), signers: fc.subarray(PEOPLE, { minLength: 1, maxLength: 2 }), position: fc.constantFrom('before' as const, 'after' as const) }),
  fc.constant({ type: 'withdraw' as const }),
  fc.record({ type: fc.constant('comment' as const), text: fc.constantFrom('ok', '') }),
  fc.constant({ type: 'resubmit' as const, payload: eventPayload() }),
);

function invariants(s: RequestState) {
  expect(REQUEST_STATUSES).toContain(s.status);
  // At most one decision per approver per step.
  for (const st of s.steps) {
    const who = st.decisions.map((d) => d.personId);
    expect(new Set(who).size).toBe(who.length);
    // Only approvers decide.
    for (const d of st.decisions) expect(st.approvers).toContain(d.personId);
  }
  // Exactly one active step while open, none otherwise; `current` points at it.
  const active = s.steps.filter((st) => st.status === 'active');
  if (OPEN_STATUSES.has(s.status)) {
    expect(active).toHaveLength(1);
    expect(s.steps[s.current!]).toBe(active[0]);
  } else {
    expect(active).toHaveLength(0);
    expect(s.current).toBeNull();
  }
  // Steps before the open one are finished; steps after it have not started.
  if (s.current !== null) {
    s.steps.slice(0, s.current).forEach((st) => expect(['approved', 'skipped']).toContain(st.status));
    s.steps.slice(s.current + 1).forEach((st) => expect(['waiting', 'skipped']).toContain(st.status));
  }
  if (s.status === 'approved') s.steps.forEach((st) => expect(['approved', 'skipped']).toContain(st.status));
}

describe('state machine properties', () => {
  it('random action sequences keep every invariant; an or-sign step never closes twice', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(actionArb, fc.constantFrom(...PEOPLE)), { maxLength: 40 }), (seq) => {
        let s = submitted(dir);
        const closedAt = new Map<string, number>();
        for (const [action, who] of seq) {
          const t = act(s, action, { personId: who, platform: 'local' }, ctxFor(dir));
          if (!t.ok) continue;
          expect(t.state.version).toBe(s.version + 1);
          for (const e of t.effects) {
            if (e.kind !== 'step_closed') continue;
            const key = `${t.state.round}:${e.stepId}`;
            const before = s.steps.find((x) => x.id === e.stepId);
            // A step may close again only after "add signer before" reopened it.
            if (closedAt.has(key) && before?.status !== 'active') throw new Error(`step ${key} closed twice`);
            closedAt.set(key, t.state.version);
          }
          for (const d of t.decisions) {
            const st = s.steps.find((x) => x.id === d.stepId)!;
            expect(st.decisions.some((x) => x.personId === d.personId)).toBe(false);
          }
          s = t.state;
          invariants(s);
        }
      }),
      { numRuns: 400 },
    );
  });
});
