// Runs once per `vitest run`: builds a migrated template database that every test file clones
// (CREATE DATABASE … TEMPLATE is much faster than migrating per file) and checks Redis.
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { openDatabase } from '../../src/store/db.js';
import type { TestProject } from 'vitest/node';
import { PG_ADMIN_URL, REDIS_URL, dbUrl } from './env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDb: string;
    runId: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Unique per run, so concurrent `vitest run`s on one machine never drop each other's databases.
  const runId = `${process.pid}${Math.random().toString(36).slice(2, 6)}`;
  const TEMPLATE_DB = `qianpi_tpl_${runId}`;
  project.provide('templateDb', TEMPLATE_DB);
  project.provide('runId', runId);
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${TEMPLATE_DB}`);
  } catch (err) {
    throw new Error(`integration tests need Postgres at ${PG_ADMIN_URL}: ${(err as Error).message}`, { cause: err });
  }
  const db = await openDatabase({ url: dbUrl(TEMPLATE_DB), dataDir: '/tmp' });
  await db.migrate();
  await db.close();
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    await r.ping();
  } catch (err) {
    throw new Error(`integration tests need Redis at ${REDIS_URL}: ${(err as Error).message}`, { cause: err });
  } finally {
    r.disconnect();
  }
  return async () => {
    // Drop databases this run's files left behind (a crashed file), then the template.
    const rows = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`qianpi_t_${runId}_%`}`;
    for (const { datname } of rows) await admin.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {});
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`).catch(() => {});
    await admin.end();
  };
}
