// Runs once per `vitest run`: builds a migrated template database that every test file clones
// (CREATE DATABASE … TEMPLATE is much faster than migrating per file) and checks Redis.
import postgres from 'postgres';
import { Redis } from 'ioredis';
import { openDatabase } from '../../src/store/db.js';
import { PG_ADMIN_URL, REDIS_URL, TEMPLATE_DB, dbUrl } from './env.js';

export default async function setup(): Promise<() => Promise<void>> {
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
    // Drop databases that test files left behind (a crashed run), then the template.
    const rows = await admin<{ datname: string }[]>`select datname from pg_database where datname like 'qianpi_t_%'`;
    for (const { datname } of rows) await admin.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {});
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`).catch(() => {});
    await admin.end();
  };
}
