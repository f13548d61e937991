// Database factory: the `postgres` driver when DATABASE_URL is set, otherwise embedded PGlite
// persisted under DATA_DIR. Both give the same drizzle query API, so nothing above this file
// knows which one it runs on.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import v8 from 'node:v8';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Sql } from 'postgres';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * The database cannot answer now (down, restarting, refusing connections, no connection free
 * within the wait bound). Callers on the request path answer 503 with Retry-After; workers let
 * the job fail and retry with backoff.
 */
export class DatabaseUnavailable extends Error {
  readonly statusCode = 503;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailable';
  }
}

// Errors that mean "no database right now", not "this query is wrong": socket errors, the
// driver's connection states, SQLSTATE class 08 (connection exception), 57P01–57P03 (admin or
// crash shutdown, cannot connect now: a restart), 53300 (too many connections), 57014 (the
// statement_timeout below, or a cancel on shutdown).
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  '08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300', '57014',
]);

/** Whether `err` (or an error in its `cause` chain, e.g. under drizzle's DrizzleQueryError) means the database is unavailable. */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof DatabaseUnavailable) return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
}

/** Bounds on every wait for Postgres (postgres.js only; PGlite is in-process). */
export interface PostgresLimits {
  /** Longest a query or transaction waits for a connection, while Postgres is unreachable, before DatabaseUnavailable (ms). */
  waitMs: number;
  /** Longest a connection attempt (TCP + startup) may take (s). */
  connectTimeoutS: number;
  /** Server-side bound on one statement (ms). */
  statementTimeoutMs: number;
  /** Most seconds between reconnect attempts while Postgres is down. */
  maxBackoffS: number;
}

// The wait bound leaves room inside the platforms' 3 s answer deadline (Feishu); a statement
// bound generous enough for the workers' batch queries.
export const POSTGRES_LIMITS: PostgresLimits = { waitMs: 2_000, connectTimeoutS: 3, statementTimeoutMs: 15_000, maxBackoffS: 0.5 };

export class MigrationError extends Error {
  constructor(cause: unknown) {
    super(`database migration failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}

export async function openDatabase(opts: { url?: string; dataDir: string; poolSize?: number; limits?: Partial<PostgresLimits> }): Promise<Database> {
  const url = opts.url;
  if (url) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    const limits = { ...POSTGRES_LIMITS, ...opts.limits };
    const raw = postgres(url, {
      max: opts.poolSize ?? 10,
      onnotice: () => {},
      connect_timeout: limits.connectTimeoutS,
      idle_timeout: 60,
      max_lifetime: 30 * 60,
      // postgres.js's default back-off grows to 20 s between attempts (3^n/100 s), which kept the
      // app down for ~10 s after Postgres was back; capped, it reconnects within half a second.
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, limits.maxBackoffS) * (0.5 + Math.random() / 2),
      connection: { statement_timeout: limits.statementTimeoutMs },
    });
    const sql = boundWaits(raw, limits.waitMs);
    const db = drizzle(sql, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      migrate: async () => {
        // Its own connection, without the request path's statement_timeout: a migration may
        // rightly take longer (an index on a large table).
        const once = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: limits.connectTimeoutS });
        try {
          await migrate(drizzle(once, { schema }), { migrationsFolder: MIGRATIONS_DIR });
        } catch (err) {
          throw new MigrationError(err);
        } finally {
          await once.end({ timeout: 5 });
        }
      },
      ping: async () => {
        await sql`select 1`;
      },
      close: () => raw.end({ timeout: 5 }),
    };
  }
  const dir = resolve(join(opts.dataDir, 'pglite'));
  mkdirSync(dir, { recursive: true });
  // Compiled by Liftoff only: TurboFan's second compile of the 9 MB module costs ~80 MB of code
  // space and start-up CPU, for no gain on this I/O-bound workload (bench/footprint.bench.ts).
  // The flag is process-wide and read when a module is compiled: set before PGlite loads.
  v8.setFlagsFromString('--liftoff-only');
  // A new data directory is created (initdb) and migrated in a short-lived child process: initdb
  // runs a second, throw-away Postgres whose ~450 MB of WASM memory is never given back to the
  // OS, and neither is what the first migrations grow the heap to. Its exit returns all of it.
  if (!existsSync(join(dir, 'PG_VERSION'))) await prepareInChild(dir);
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const client = await PGlite.create(dir, { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS] });
  const pdb = drizzle(client, { schema });
  return {
    db: pdb as unknown as Db,
    kind: 'pglite',
    migrate: async () => {
      try {
        await migrate(pdb, { migrationsFolder: MIGRATIONS_DIR });
      } catch (err) {
        throw new MigrationError(err);
      }
    },
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
  };
}

// Postgres settings of the embedded PGlite (one single-user backend in a WASM heap that never
// shrinks). Its defaults are a server's: 128 MB of shared_buffers, allocated and touched at start,
// and 64 MB of maintenance_work_mem that an index build during a migration grows the heap by for
// good. Reads past shared_buffers come from the OS page cache (the data directory is ordinary
// files), so a small pool costs little. Durability is PGlite's own and unchanged: its default
// start parameters (kept, these are appended) and every commit written through to DATA_DIR.
export const PGLITE_SETTINGS = [
  '-c', 'shared_buffers=16MB',
  '-c', 'maintenance_work_mem=16MB',
  '-c', 'temp_buffers=2MB',
  // Sizes the shared lock and process tables; single-user mode has exactly one backend.
  '-c', 'max_connections=4',
];

const run = promisify(execFile);

/** initdb and the migrations for a new data directory, in a child process (see openDatabase). */
async function prepareInChild(dir: string): Promise<void> {
  const req = createRequire(import.meta.url);
  const url = (m: string) => pathToFileURL(req.resolve(m)).href;
  const job = { dir, migrations: MIGRATIONS_DIR, settings: PGLITE_SETTINGS, pglite: url('@electric-sql/pglite'), drizzle: url('drizzle-orm/pglite'), migrator: url('drizzle-orm/pglite/migrator') };
  const code = `
    const job = JSON.parse(process.env.QIANPI_PGLITE_PREPARE);
    const { PGlite } = await import(job.pglite);
    const { drizzle } = await import(job.drizzle);
    const { migrate } = await import(job.migrator);
    const client = await PGlite.create(job.dir, { startParams: [...PGlite.defaultStartParams, ...job.settings] });
    try { await migrate(drizzle(client), { migrationsFolder: job.migrations }); } finally { await client.close(); }`;
  try {
    await run(process.execPath, ['--liftoff-only', '--input-type=module', '-e', code], { env: { ...process.env, QIANPI_PGLITE_PREPARE: JSON.stringify(job) }, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim();
    throw new MigrationError(new Error(stderr.split('\n').find((l) => /Error|error:/.test(l)) ?? (stderr || (err as Error).message)));
  }
}

// postgres.js queues a query until a connection is free; while Postgres is down each failed
// connection attempt settles only one queued query, so callers waited for the outage to end.
// This bounds that wait without cutting short a burst on a healthy database: a query (or a
// transaction's BEGIN) still unsent after `waitMs`, while the last settled query lost its
// connection and none has succeeded since, is given up with DatabaseUnavailable. A given-up
// query is taken off the queue and never runs; a given-up transaction whose BEGIN gets a
// connection later throws before its body and rolls back. Queries already sent are bounded by
// statement_timeout and by their connection's own errors.
type PendingQuery = { state: unknown; handle: () => Promise<void>; reject: (e: unknown) => void; cancel: () => unknown };

const RECHECK_MS = 250;

function boundWaits(sql: Sql, waitMs: number): Sql {
  let down = false;
  const observe = (settled: PromiseLike<unknown>) =>
    void Promise.prototype.then.call(
      settled,
      () => (down = false),
      (err: unknown) => {
        // A statement timeout is the query's own slowness, not a lost connection.
        if (isDatabaseUnavailable(err) && !hasCode(err, '57014')) down = true;
      },
    );
  /** Calls `giveUp` once the wait is over the bound while the database is down; returns the cancel. */
  const watch = (waiting: () => boolean, giveUp: () => void) => {
    let timer = setTimeout(function check() {
      if (!waiting()) return;
      if (down) giveUp();
      else timer = setTimeout(check, RECHECK_MS);
    }, waitMs);
    return () => clearTimeout(timer);
  };
  const unavailable = () => new DatabaseUnavailable(`no database connection within ${waitMs} ms`);

  const bound = <Q>(query: Q): Q => {
    const q = query as unknown as PendingQuery;
    const handle = q.handle;
    let armed = false;
    q.handle = function (this: PendingQuery) {
      if (!armed) {
        armed = true;
        let settled = false;
        const stop = watch(
          () => !settled && !q.state, // state is set once the query is sent on a connection
          () => {
            q.reject(unavailable());
            q.cancel(); // off the queue, so it never runs
          },
        );
        const done = () => ((settled = true), stop());
        void Promise.prototype.then.call(q, done, done);
        observe(q as unknown as PromiseLike<unknown>);
      }
      return handle.call(this);
    };
    return query;
  };

  const begin = (...args: unknown[]) => {
    const fn = args.pop() as (tx: unknown) => unknown;
    let state: 'waiting' | 'started' | 'abandoned' = 'waiting';
    return new Promise((resolve, reject) => {
      const stop = watch(
        () => state === 'waiting',
        () => {
          state = 'abandoned';
          reject(unavailable());
        },
      );
      const body = (tx: unknown) => {
        stop();
        if (state === 'abandoned') throw new DatabaseUnavailable('transaction abandoned: its connection came too late');
        state = 'started';
        down = false;
        return fn(tx);
      };
      const run = (sql.begin as (...a: unknown[]) => Promise<unknown>)(...args, body);
      observe(run);
      run.then(
        (v) => (stop(), resolve(v)),
        (e: unknown) => (stop(), reject(e)),
      );
    });
  };

  return new Proxy(sql, {
    apply: (target, thisArg, args: unknown[]) => {
      const q: unknown = Reflect.apply(target, thisArg, args);
      // sql`…` gives a query; sql(value) (identifiers, lists) gives a helper, not to be bounded.
      return q && typeof (q as PendingQuery).handle === 'function' ? bound(q) : q;
    },
    get: (target, prop, receiver) => {
      if (prop === 'unsafe') return (...args: Parameters<Sql['unsafe']>) => bound(target.unsafe(...args));
      if (prop === 'begin') return begin;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

function hasCode(err: unknown, code: string): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === code) return true;
  }
  return false;
}
