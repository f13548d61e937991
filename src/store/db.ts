// Database factory: the `postgres` driver when DATABASE_URL is set, otherwise embedded PGlite
// persisted under DATA_DIR. Both give the same drizzle query API, so nothing above this file
// knows which one it runs on.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
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

export class MigrationError extends Error {
  constructor(cause: unknown) {
    super(`database migration failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}

export async function openDatabase(opts: { url?: string; dataDir: string; poolSize?: number }): Promise<Database> {
  if (opts.url) {
    const { default: postgres } = await import('postgres');
    const { drizzle } = await import('drizzle-orm/postgres-js');
    const { migrate } = await import('drizzle-orm/postgres-js/migrator');
    const sql = postgres(opts.url, { max: opts.poolSize ?? 10, onnotice: () => {}, connect_timeout: 10 });
    const db = drizzle(sql, { schema }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      migrate: async () => {
        try {
          await migrate(drizzle(sql, { schema }), { migrationsFolder: MIGRATIONS_DIR });
        } catch (err) {
          throw new MigrationError(err);
        }
      },
      ping: async () => {
        await sql`select 1`;
      },
      close: () => sql.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const dir = resolve(join(opts.dataDir, 'pglite'));
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
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
