import { describe, expect, it } from 'vitest';
import { evenBatches } from '../../src/util/even-batches.js';

const sizes = (n: number, parallel: number, max: number) => evenBatches(Array.from({ length: n }, (_, i) => i), parallel, max).map((b) => b.length);

describe('evenBatches', () => {
  it('splits into whole rounds of even batches, none over the maximum', () => {
    expect(sizes(5000, 2, 1000)).toEqual([834, 834, 833, 833, 833, 833]);
    expect(sizes(2000, 2, 1000)).toEqual([1000, 1000]);
    expect(sizes(2001, 2, 1000)).toEqual([501, 500, 500, 500]);
    expect(sizes(7, 3, 1000)).toEqual([3, 2, 2]);
  });

  it('never makes empty batches, and keeps every item once, in order', () => {
    expect(sizes(1, 4, 10)).toEqual([1]);
    expect(sizes(3, 4, 10)).toEqual([1, 1, 1]);
    expect(evenBatches([], 2, 10)).toEqual([]);
    const list = Array.from({ length: 12_345 }, (_, i) => i);
    for (const [p, m] of [[1, 1000], [2, 1000], [3, 700], [5, 1]] as const) {
      const batches = evenBatches(list, p, m);
      expect(batches.flat()).toEqual(list);
      expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(m);
      expect(batches.length % p === 0 || batches.length < p).toBe(true);
    }
  });
});
