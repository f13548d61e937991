import { and, asc, eq } from 'drizzle-orm';
import { testHarness } from './support/test-app.js';
import { eventPayload } from '../test/support/core-fixtures.js';
import { requests, approvalSteps, decisions } from '../src/store/schema.js';
const h = await testHarness();
const t = await h.startTestApp({ PROCESS_ROLE: 'web', SIMULATOR: 'off' });
try {
  const sub = await t.app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload(), platform: 'local' });
  if (!sub.ok) throw new Error('x');
  const id = sub.state.id;
  const db = t.app.database.db;
  const time = async (label: string, n: number, fn: () => Promise<unknown>) => {
    for (let i = 0; i < 200; i++) await fn();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    console.log(`${label}: ${((performance.now() - t0) / n).toFixed(3)} ms`);
  };
  await time('requests by id', 2000, () => db.select().from(requests).where(eq(requests.id, id)));
  await time('steps', 2000, () => db.select().from(approvalSteps).where(and(eq(approvalSteps.requestId, id), eq(approvalSteps.round, 1))));
  await time('decisions', 2000, () => db.select().from(decisions).where(and(eq(decisions.requestId, id), eq(decisions.round, 1))).orderBy(asc(decisions.id)));
  await time('ping', 2000, () => t!.app.database.ping());
} finally { await t.close(); await h.release(); }
