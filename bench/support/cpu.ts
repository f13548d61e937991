// Who used the CPUs during a run (Linux /proc): this process (servers and load worker), Redis,
// Postgres, and everything else. "Everything else" is other work on the machine competing for
// the same cores: when it is large, the run's figures are low for reasons outside the benchmark.
// (Postgres counts as ours whoever its sessions serve, so other Postgres work goes unseen.)
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export interface CpuSnapshot {
  at: number;
  /** Busy time of all CPUs together, ms. */
  machine: number;
  own: number;
  redis: number;
  postgres: number;
}

/** Task time of all CPUs, plus steal (the hypervisor's other guests). Interrupt time is left out:
 *  on loopback most of it is the benchmark's own network traffic. */
function machineBusyMs(): number {
  const [user = 0, nice = 0, system = 0, , , , , steal = 0] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + steal) * TICK_MS;
}

function postgresMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== 'postgres') continue;
      const fields = stat.slice(close + 2).split(' '); // fields from the 3rd on: utime is the 14th
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks * TICK_MS;
}

/** undefined where /proc is not there (not Linux). `redisCpuSeconds`: INFO cpu, all threads. */
export async function cpuSnapshot(redisCpuSeconds: () => Promise<number>): Promise<CpuSnapshot | undefined> {
  try {
    const u = process.cpuUsage();
    return { at: performance.now(), machine: machineBusyMs(), own: (u.user + u.system) / 1000, redis: (await redisCpuSeconds()) * 1000, postgres: postgresMs() };
  } catch {
    return undefined;
  }
}

/** CPU used by others between two snapshots, in % of one core (the machine has cores × 100 %). */
export function otherCpu(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined): number | undefined {
  if (!a || !b) return undefined;
  const other = b.machine - a.machine - (b.own - a.own) - (b.redis - a.redis) - (b.postgres - a.postgres);
  return Math.max(0, (other / (b.at - a.at)) * 100);
}
