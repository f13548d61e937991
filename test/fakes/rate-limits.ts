// What makes a fake platform server behave like the real one under load: latency per call and
// the platform's documented rate limits, counted as sliding windows on arrival (the strictest
// reading of "N per second"), answered with the platform's own rate-limit error. Off by default:
// the benchmarks (bench/card-roundtrip.bench.ts) and the pacing tests turn it on.
import type { IncomingMessage } from 'node:http';

export interface Realism {
  /** Each call is answered after a uniform delay in this range (ms). */
  latencyMs?: readonly [number, number];
  /** Enforce the documented rate limits. */
  limits?: boolean;
}

export interface LimitWindow {
  key: string;
  windowMs: number;
  max: number;
}

export class RateLimitLog {
  private readonly logs = new Map<string, number[]>();
  /** Every call refused for a rate limit: which window, when. */
  readonly refused: Array<{ key: string; at: number }> = [];
  /** Calls admitted per key (for the benchmarks: what was the busiest window). */
  readonly admitted = new Map<string, number>();

  /** The window a call now would break (and it is refused), or undefined (and it is counted). */
  admit(windows: readonly LimitWindow[], now = Date.now()): LimitWindow | undefined {
    for (const w of windows) {
      const log = this.logs.get(w.key) ?? [];
      const inWindow = log.filter((t) => t > now - w.windowMs).length;
      if (inWindow >= w.max) {
        this.refused.push({ key: w.key, at: now });
        return w;
      }
    }
    for (const key of new Set(windows.map((w) => w.key))) {
      const longest = Math.max(...windows.filter((w) => w.key === key).map((w) => w.windowMs));
      const log = (this.logs.get(key) ?? []).filter((t) => t > now - longest);
      log.push(now);
      this.logs.set(key, log);
      this.admitted.set(key, (this.admitted.get(key) ?? 0) + 1);
    }
    return undefined;
  }

  reset(): void {
    this.logs.clear();
    this.admitted.clear();
    this.refused.length = 0;
  }
}

export const second = (key: string, max: number): LimitWindow => ({ key, max, windowMs: 1000 });
export const minute = (key: string, max: number): LimitWindow => ({ key, max, windowMs: 60_000 });

/** The call's latency, drawn from the range (0 without one). */
export async function latency(r: Realism | undefined, _req?: IncomingMessage): Promise<void> {
  if (!r?.latencyMs) return;
  const [lo, hi] = r.latencyMs;
  await new Promise((resolve) => setTimeout(resolve, lo + Math.random() * (hi - lo)));
}

/** The most of these instants (ms) that any window of `windowMs` holds. */
export function busiest(times: readonly number[], windowMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= windowMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}
