// Run `batch` until it finds nothing left, one loop at a time: a call while the loop runs joins
// it and makes it look once more before it ends, so work committed meanwhile is not left behind.
export function drainer(batch: () => Promise<number>): () => Promise<number> {
  let running: Promise<number> | undefined;
  let again = false;
  return function drain(): Promise<number> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let total = 0;
      do {
        again = false;
        for (let n = await batch(); n > 0; n = await batch()) total += n;
      } while (again);
      return total;
    })().finally(() => {
      running = undefined;
    });
    return running;
  };
}
