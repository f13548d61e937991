// A fresh database per test file, cloned from the migrated template.
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/store/db.js';
import { inject } from 'vitest';
import { PG_ADMIN_URL, dbUrl, uniqueName } from './env.js';

export interface TestDatabase {
  name: string;
  url: string;
  database: Database;
  drop(): Promise<void>;
}

export async function createTestDatabaseUrl(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const TEMPLATE_DB = inject('templateDb');
  const name = uniqueName(`qianpi_t_${inject('runId')}`);
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  // Cloning needs the template to have no other connections; retry briefly if another file is cloning.
  for (let i = 0; ; i++) {
    try {
      await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`);
      break;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  await admin.end();
  return {
    name,
    url: dbUrl(name),
    drop: async () => {
      const a = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await a.end();
    },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const { name, url, drop } = await createTestDatabaseUrl();
  const database = await openDatabase({ url, dataDir: '/tmp' });
  return {
    name,
    url,
    database,
    drop: async () => {
      await database.close();
      await drop();
    },
  };
}
