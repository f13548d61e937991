// How much the pure core costs per decision, against a baseline of merely cloning the
// request snapshot (the least any immutable transition must do).
import { act } from '../src/core/lifecycle.js';
import { ctxFor, eventPayload, exampleDir, submitted } from '../test/support/core-fixtures.js';

const dir = exampleDir();
const ctx = ctxFor(dir);
const state = submitted(dir, 'liming', eventPayload());
const N = 50_000;

function time(fn: () => void): number {
  for (let i = 0; i < 1000; i++) fn();
  const t = performance.now();
  for (let i = 0; i < N; i++) fn();
  return performance.now() - t;
}

const baseline = time(() => structuredClone(state));
const approve = time(() => act(state, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'local' }, ctx));
const refuse = time(() => act(state, { type: 'approve', stepId: 'dept-lead' }, { personId: 'hanmei', platform: 'local' }, ctx));
const per = (ms: number) => `${((ms / N) * 1000).toFixed(2)} µs`;
console.log(`baseline structuredClone: ${per(baseline)}/op`);
console.log(`approve transition:       ${per(approve)}/op  (${(approve / baseline).toFixed(2)}× baseline)`);
console.log(`refused click (preview):  ${per(refuse)}/op  (${(refuse / baseline).toFixed(2)}× baseline)`);
