import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../src/util/group-commit.js';

describe('groupCommit', () => {
  it('runs a lone call at once and batches what arrives while batches are in flight', async () => {
    const batches: number[][] = [];
    const double = groupCommit(
      async (xs: number[]) => {
        batches.push(xs);
        await new Promise((r) => setTimeout(r, 5));
        return xs.map((x) => x * 2);
      },
      { maxBatch: 4, maxInFlight: 2 },
    );
    expect(await double(1)).toBe(2);
    expect(batches).toEqual([[1]]);
    const out = await Promise.all([2, 3, 4, 5, 6, 7, 8, 9].map((x) => double(x)));
    expect(out).toEqual([4, 6, 8, 10, 12, 14, 16, 18]);
    // Two start alone (nothing in flight); the other six wait and go in batches of at most four.
    expect(batches.slice(1)).toEqual([[2], [3], [4, 5, 6, 7], [8, 9]]);
  });

  it('a failed batch rejects its own calls only', async () => {
    const f = groupCommit(
      async (xs: string[]) => {
        await new Promise((r) => setTimeout(r, 1));
        if (xs.includes('bad')) throw new Error('batch failed');
        return xs.map((x) => x.toUpperCase());
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const [a, b, c] = await Promise.allSettled([f('ok'), f('bad'), f('fine')]);
    expect(a).toEqual({ status: 'fulfilled', value: 'OK' });
    expect(b.status).toBe('rejected');
    expect(c.status).toBe('rejected'); // same batch as 'bad'
    expect(await f('after')).toBe('AFTER');
  });
});
