import { testHarness } from './support/test-app.js';
import { eventPayload } from '../test/support/core-fixtures.js';
import { loadRequest } from '../src/store/requests-repo.js';
const h = await testHarness();
const t = await h.startTestApp({ PROCESS_ROLE: 'web', SIMULATOR: 'off' });
try {
  const sub = await t.app.approvals.submit({ applicantId: 'liming', type: 'event', payload: eventPayload(), platform: 'local' });
  if (!sub.ok) throw new Error('x');
  const id = sub.state.id;
  const time = async (label: string, conc: number, n: number, fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    let i = 0;
    await Promise.all(Array.from({ length: conc }, async () => { while (i++ < n) await fn(); }));
    const ms = performance.now() - t0;
    console.log(`${label} conc=${conc}: ${(n / ms * 1000).toFixed(0)}/s, ${(ms / n * conc).toFixed(2)} ms each`);
  };
  const db = t.app.database.db;
  for (const conc of [1, 32]) {
    await time('loadRequest', conc, 3000, () => loadRequest(db, id));
    await time('preview', conc, 3000, () => t!.app.approvals.preview(id, { type: 'approve', stepId: 'dept-lead' }, { personId: 'liuyang', platform: 'feishu' }));
    await time('select 1', conc, 3000, () => t!.app.database.ping());
    await time('redis set', conc, 3000, () => t!.app.redis.set(`${t!.prefix}:x:${Math.random()}`, '1', 'EX', 60, 'NX'));
  }
} finally { await t.close(); await h.release(); }
