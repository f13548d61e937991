/**
 * `list` split into batches of at most `max` items, as few as that allows in whole rounds of
 * `parallel` batches, sizes differing by at most one: 5,000 rows, 2 at a time, at most 1,000
 * each → 6 batches of 833–834 (three full rounds) instead of 1,000 × 5 (the last one alone).
 */
export function evenBatches<T>(list: readonly T[], parallel: number, max: number): T[][] {
  if (!list.length) return [];
  const rounds = Math.ceil(list.length / (parallel * max));
  const count = Math.min(list.length, rounds * parallel);
  const out: T[][] = [];
  for (let i = 0, start = 0; i < count; i++) {
    const size = Math.floor(list.length / count) + (i < list.length % count ? 1 : 0);
    out.push(list.slice(start, start + size));
    start += size;
  }
  return out;
}
