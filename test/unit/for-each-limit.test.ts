import { describe, expect, it } from 'vitest';
import { forEachLimit } from '../../src/util/for-each-limit.js';

describe('forEachLimit', () => {
  it('runs every item once, starting them in order, never more than the limit at a time', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      started.push(n);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, (n % 3) * 5));
      running--;
    });
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
    expect(running).toBe(0);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await forEachLimit([], 4, async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });
});
