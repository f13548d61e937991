// Footprint: idle RSS and start-up time of the whole service as a person runs it — `npm start`
// (tsx src/main.ts; the prestart web build is done once beforehand, not timed) and the compiled
// build the Dockerfile runs (`node dist/src/main.js`, laid out as the Dockerfile lays it) — each
// with the embedded PGlite default (no DATABASE_URL) and with DATABASE_URL (the baseline). Each
// is spawned, timed to its first 200 from /readyz, left idle, and the RSS of its process tree
// (tsx runs node as a child) sampled. PGlite is started twice on one DATA_DIR: first start
// (initdb + migrations) and a restart. Ratios are against the Postgres-backed run of the same
// launcher in the same run.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { PG_ADMIN_URL, REDIS_URL, dbUrl, uniqueName } from '../test/support/env.js';
import { record } from './support/summary.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IDLE_MS = Number(process.env.FOOTPRINT_IDLE_MS ?? 15_000);
const TARGET_MB = 300;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' ');

/** RSS (kB) of `pid` and every descendant, from /proc. */
function treeRssKb(pid: number): number {
  const children = new Map<number, number[]>();
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(p)]);
    } catch {
      // gone meanwhile
    }
  }
  let kb = 0;
  for (const stack = [pid]; stack.length; ) {
    const p = stack.pop()!;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
    stack.push(...(children.get(p) ?? []));
  }
  return kb;
}

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

interface Run {
  launcher: 'npm start (tsx)' | 'compiled (node dist)';
  database: string;
  startMs: number;
  idleKb: number;
  peakKb: number;
  load: string;
}

async function runOnce(launcher: Run['launcher'], database: string, env: Record<string, string>): Promise<Run> {
  const port = await freePort();
  const [cmd, args, cwd] =
    launcher === 'npm start (tsx)' ? [join(ROOT, 'node_modules/.bin/tsx'), ['src/main.ts'], ROOT] : [process.execPath, ['dist/src/main.js'], ROOT];
  const t0 = performance.now();
  const child: ChildProcess = spawn(cmd, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', REDIS_URL, REDIS_PREFIX: uniqueName('fp'), SIMULATOR: 'on', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let peakKb = 0;
  try {
    let startMs = NaN;
    while (Number.isNaN(startMs)) {
      if (child.exitCode !== null) throw new Error(`${launcher} (${database}) exited ${child.exitCode}: ${stderr}`);
      if (performance.now() - t0 > 300_000) throw new Error(`${launcher} (${database}) not ready in 300 s: ${stderr}`);
      peakKb = Math.max(peakKb, treeRssKb(child.pid!));
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
      if (ok) startMs = performance.now() - t0;
      else await new Promise((r) => setTimeout(r, 50));
    }
    // Idle: sample through the idle window, report the last samples' median (timers still tick).
    const samples: number[] = [];
    for (const end = performance.now() + IDLE_MS; performance.now() < end; ) {
      await new Promise((r) => setTimeout(r, 500));
      const kb = treeRssKb(child.pid!);
      peakKb = Math.max(peakKb, kb);
      samples.push(kb);
    }
    const tail = samples.slice(-5).sort((a, b) => a - b);
    return { launcher, database, startMs, idleKb: tail[Math.floor(tail.length / 2)]!, peakKb, load: load() };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
  }
}

/** The Dockerfile's runtime layout: dist/ from `npm run build`, plus the files it copies in. */
function buildDist(): void {
  if (!existsSync(join(ROOT, 'web-dist/index.html'))) execFileSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  cpSync(join(ROOT, 'migrations'), join(ROOT, 'dist/migrations'), { recursive: true });
  cpSync(join(ROOT, 'org.example.yaml'), join(ROOT, 'dist/org.example.yaml'));
  cpSync(join(ROOT, 'src/queue/lua'), join(ROOT, 'dist/src/queue/lua'), { recursive: true });
  cpSync(join(ROOT, 'web-dist'), join(ROOT, 'dist/web-dist'), { recursive: true });
}

const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
const runs: Run[] = [];
const dirs: string[] = [];
const dbs: string[] = [];
try {
  console.log(`building the compiled output (npm run build) … load ${load()}`);
  buildDist();
  for (const launcher of ['npm start (tsx)', 'compiled (node dist)'] as const) {
    const name = uniqueName('qianpi_fp');
    await admin.unsafe(`CREATE DATABASE ${name}`);
    dbs.push(name);
    const pgDir = mkdtempSync(join(tmpdir(), 'qianpi-fp-'));
    dirs.push(pgDir);
    runs.push(await runOnce(launcher, 'Postgres (DATABASE_URL)', { DATA_DIR: pgDir, DATABASE_URL: dbUrl(name) }));
    const dir = mkdtempSync(join(tmpdir(), 'qianpi-fp-'));
    dirs.push(dir);
    runs.push(await runOnce(launcher, 'PGlite, first start', { DATA_DIR: dir }));
    runs.push(await runOnce(launcher, 'PGlite, restart', { DATA_DIR: dir }));
  }
  console.log(`idle ${IDLE_MS / 1000} s after /readyz; RSS of the process tree; ratios against the same launcher on Postgres`);
  console.log(`${'launcher'.padEnd(22)}${'database'.padEnd(26)}${'start'.padStart(9)}${'idle RSS'.padStart(10)}${'peak RSS'.padStart(10)}${'RSS ratio'.padStart(11)}${'start ratio'.padStart(13)}   load avg`);
  for (const r of runs) {
    const base = runs.find((b) => b.launcher === r.launcher && b.database.startsWith('Postgres'))!;
    const rssRatio = r.idleKb / base.idleKb;
    console.log(`${r.launcher.padEnd(22)}${r.database.padEnd(26)}${`${(r.startMs / 1000).toFixed(1)} s`.padStart(9)}${mb(r.idleKb).padStart(10)}${mb(r.peakKb).padStart(10)}${`${rssRatio.toFixed(2)}×`.padStart(11)}${`${(r.startMs / base.startMs).toFixed(2)}×`.padStart(13)}   ${r.load}`);
    if (r.database.startsWith('PGlite'))
      record({ figure: `idle RSS, ${r.launcher}, ${r.database}`, target: `≤ ${TARGET_MB} MB`, measured: `${mb(r.idleKb)} (start ${(r.startMs / 1000).toFixed(1)} s)`, ratio: `${rssRatio.toFixed(2)}× Postgres-backed`, met: r.idleKb <= TARGET_MB * 1024 });
    else record({ figure: `idle RSS, ${r.launcher}, ${r.database}`, target: 'baseline', measured: `${mb(r.idleKb)} (start ${(r.startMs / 1000).toFixed(1)} s)`, ratio: '1.00×' });
  }
} finally {
  for (const name of dbs) await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
  await admin.end();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
