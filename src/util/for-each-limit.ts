/**
 * Runs `fn` over `items`, at most `limit` at a time, starting them in order; resolves when all
 * have run. `fn` deals with its own failures (a throw rejects at once, leaving others running).
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
