/** Poll every `every` ms until `fn` returns a value (not undefined), or fail after `ms`. */
export async function until<T>(fn: () => Promise<T | undefined>, ms = 10_000, every = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, every));
  }
}

/** Poll every 50 ms until `fn` returns something truthy; the error names `what` it waited for. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  try {
    return await until(async () => (await fn()) || undefined, ms, 50);
  } catch (err) {
    if ((err as Error).message === 'timed out') throw new Error(`timed out waiting for ${what}`, { cause: err });
    throw err;
  }
}
