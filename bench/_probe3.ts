import postgres from 'postgres';
import { testHarness } from './support/test-app.js';
import { eventPayload } from '../test/support/core-fixtures.js';
const h = await testHarness();
const t = await h.startTestApp({ PROCESS_ROLE: 'web', SIMULATOR: 'off' });
try {
  const sub = await t.app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload(), platform: 'local' });
  if (!sub.ok) throw new Error('x');
  const id = sub.state.id;
  const sql = postgres(t.app.config.DATABASE_URL!, { max: 1 });
  const time = async (label: string, n: number, fn: () => Promise<unknown>) => {
    for (let i = 0; i < 200; i++) await fn();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    console.log(`${label}: ${((performance.now() - t0) / n).toFixed(3)} ms`);
  };
  await time('raw select *', 2000, () => sql`select * from requests where id = ${id}`);
  await time('raw select id', 2000, () => sql`select id from requests where id = ${id}`);
  await time('raw select payload', 2000, () => sql`select payload from requests where id = ${id}`);
  await time('raw select * text', 2000, () => sql`select *, payload::text as p from requests where id = ${id}`);
  console.log(await sql`explain analyze select * from requests where id = ${id}`);
  console.log((await sql`select column_name, data_type from information_schema.columns where table_name='requests'`).map((r) => `${r.column_name}:${r.data_type}`).join(' '));
  await sql.end();
} finally { await t.close(); await h.release(); }
