// Where the integration tests find Postgres and Redis (CI starts both on these defaults).
export const PG_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function dbUrl(name: string): string {
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export const uniqueName = (tag: string) => `${tag}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
