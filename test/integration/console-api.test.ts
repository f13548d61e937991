// The console's API on the real app: sign-in (simulator pick, local admin), sessions and CSRF,
// each route's 401 / 403 / 404 / 422, who sees what (a branch lead cannot open HQ's request),
// filters and search, an action through the approval service, the exports (requests, decisions,
// reimbursements).
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { privateReviewsOrg, invoice } from '../support/console-seed.js';
import { scoredEvent } from '../support/scored-event.js';

const TOKEN = 'console-admin-token-0123456789';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ ADMIN_TOKEN: TOKEN, SIMULATOR: 'on' }, { dir: privateReviewsOrg() });
}, 60_000);
afterAll(() => t?.close());

/** A browser-like client: keeps the session cookie, sends the CSRF token it was given. */
function client() {
  let cookie = '';
  let csrf = '';
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(`${t.url}${path}`, {
      method,
      headers: { ...(cookie ? { cookie } : {}), ...(method !== 'GET' ? { 'x-csrf-token': csrf } : {}), ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const set = r.headers.getSetCookie().find((c) => c.startsWith('qianpi_session='));
    if (set) cookie = set.split(';')[0]!;
    const type = r.headers.get('content-type') ?? '';
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes vary per route; assertions check them
    const json = type.includes('json') ? ((await r.json()) as Record<string, any>) : undefined;
    if (json?.csrf) csrf = json.csrf as string;
    return { status: r.status, body: json ?? {}, res: r };
  };
  return {
    call,
    async signInAs(personId: string) {
      await call('GET', '/api/console/session');
      const r = await call('POST', '/api/console/sign-in/simulator', { personId });
      expect(r.status).toBe(200);
      return this;
    },
    get csrf() {
      return csrf;
    },
    set csrf(v: string) {
      csrf = v;
    },
  };
}

const xlsxOf = async (res: Response) => {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
  return book.worksheets[0]!;
};
const csvLines = async (res: Response) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer()).split('\r\n').filter(Boolean);

/** One signed-in client per person for the whole file: sign-in is rate-limited per address (20 a minute). */
const sessions = new Map<string, Promise<ReturnType<typeof client>>>();
const signedIn = (personId: string) => {
  if (!sessions.has(personId)) sessions.set(personId, client().signInAs(personId));
  return sessions.get(personId)!;
};

const api = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${t.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  return { status: r.status, body: (await r.json()) as Record<string, any> };
};

let hqNumber = '';
let branchNumber = '';

describe('console API', () => {
  it('refuses every data route without a session (401)', async () => {
    const anon = client();
    for (const path of ['/api/console/requests', '/api/console/requests/A-1', '/api/console/export.csv', '/api/console/export.xlsx', '/api/console/dashboard', '/api/console/directory']) {
      expect((await anon.call('GET', path)).status, path).toBe(401);
    }
    const s = await anon.call('GET', '/api/console/session');
    expect(s.body.signedIn).toBe(false);
    expect(s.body.methods).toEqual({ simulator: true, admin: true });
    expect((await anon.call('POST', '/api/console/requests/A-1/actions', { action: 'approve' })).status).toBe(401);
  });

  it('signs in by picking a person, refuses unknown people, missing CSRF tokens and wrong admin tokens', async () => {
    const c = client();
    await c.call('GET', '/api/console/session');
    expect((await c.call('POST', '/api/console/sign-in/simulator', { personId: 'ghost' })).status).toBe(404);
    const token = c.csrf;
    c.csrf = 'forged';
    expect((await c.call('POST', '/api/console/sign-in/simulator', { personId: 'liming' })).status).toBe(403);
    c.csrf = token;
    expect((await c.call('POST', '/api/console/sign-in/simulator', { personId: '' })).status).toBe(400);
    expect((await c.call('POST', '/api/console/sign-in/admin', { token: 'wrong-token-wrong-token' })).status).toBe(401);
    const ok = await c.call('POST', '/api/console/sign-in/simulator', { personId: 'liming' });
    expect(ok.status).toBe(200);
    const s = await c.call('GET', '/api/console/session');
    expect(s.body.person).toMatchObject({ id: 'liming', name: '李明' });
    // The cookie is HTTP-only and SameSite.
    const raw = (await c.call('POST', '/api/console/sign-in/simulator', { personId: 'liming' })).res.headers.getSetCookie().join(';');
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/SameSite=Lax/i);
    await c.call('POST', '/api/console/sign-out');
    expect((await c.call('GET', '/api/console/requests')).status).toBe(401);
  });

  it('scopes reads: a branch lead cannot open HQ\'s request by URL; HQ\'s lead and finance can', async () => {
    const hq = await api('POST', '/api/requests', { applicantId: 'sunli', type: 'content_review', payload: { title: '总部春季推文', channel: '公众号', content: '春季新车上市' } });
    expect(hq.status).toBe(201);
    hqNumber = hq.body.request.number as string;
    const branch = await api('POST', '/api/requests', { applicantId: 'liming', type: 'content_review', payload: { title: '华东试驾日海报', channel: '朋友圈', content: '周末试驾体验' } });
    expect(branch.status).toBe(201);
    branchNumber = branch.body.request.number as string;

    const zhouqiang = await signedIn('zhouqiang');
    expect((await zhouqiang.call('GET', `/api/console/requests/${hqNumber}`)).status).toBe(403);
    expect((await zhouqiang.call('GET', `/api/console/requests/${hq.body.request.id}`)).status).toBe(403);
    expect((await zhouqiang.call('POST', `/api/console/requests/${hqNumber}/actions`, { action: 'comment', comment: 'x' })).status).toBe(403);
    expect((await zhouqiang.call('GET', `/api/console/requests/${branchNumber}`)).status).toBe(200);
    const list = await zhouqiang.call('GET', '/api/console/requests');
    const numbers = (list.body.items as Array<{ number: string }>).map((i) => i.number);
    expect(numbers).toContain(branchNumber);
    expect(numbers).not.toContain(hqNumber);

    for (const who of ['chenjie', 'wangfang']) {
      const c = await signedIn(who);
      expect((await c.call('GET', `/api/console/requests/${hqNumber}`)).status, who).toBe(200);
      expect((await c.call('GET', `/api/console/requests/${branchNumber}`)).status, who).toBe(200);
    }
    const admin = client();
    await admin.call('GET', '/api/console/session');
    expect((await admin.call('POST', '/api/console/sign-in/admin', { token: TOKEN })).status).toBe(200);
    expect((await admin.call('GET', `/api/console/requests/${hqNumber}`)).status).toBe(200);
    // The local admin reads everything but acts as nobody.
    expect((await admin.call('POST', `/api/console/requests/${hqNumber}/actions`, { action: 'approve' })).status).toBe(403);
  });

  it('answers 404 and 400 for what does not exist or is malformed', async () => {
    const c = await signedIn('wangfang');
    expect((await c.call('GET', '/api/console/requests/Z-9999')).status).toBe(404);
    expect((await c.call('GET', '/api/console/requests/not-a-ref')).status).toBe(400);
    expect((await c.call('GET', '/api/console/requests?dept=nowhere')).status).toBe(404);
    expect((await c.call('GET', '/api/console/requests?cursor=garbage')).status).toBe(400);
    expect((await c.call('GET', '/api/console/requests?limit=100000')).status).toBe(400);
    expect((await c.call('POST', '/api/console/requests/Z-9999/actions', { action: 'approve' })).status).toBe(404);
    expect((await c.call('POST', `/api/console/requests/${hqNumber}/actions`, { action: 'explode' })).status).toBe(400);
  });

  it('filters, searches and pages', async () => {
    const c = await signedIn('wangfang');
    const search = await c.call('GET', `/api/console/requests?q=${encodeURIComponent('试驾')}`);
    expect((search.body.items as Array<{ number: string }>).map((i) => i.number)).toEqual([branchNumber]);
    const byContent = await c.call('GET', `/api/console/requests?q=${encodeURIComponent('春季新车')}`);
    expect((byContent.body.items as Array<{ number: string }>).map((i) => i.number)).toEqual([hqNumber]);
    const byDept = await c.call('GET', '/api/console/requests?dept=east-branch');
    expect((byDept.body.items as Array<{ number: string }>).map((i) => i.number)).toEqual([branchNumber]);
    const byApplicant = await c.call('GET', '/api/console/requests?applicant=sunli&status=pending');
    expect((byApplicant.body.items as Array<{ number: string }>).map((i) => i.number)).toEqual([hqNumber]);
    expect((await c.call('GET', '/api/console/requests?overdue=1')).body.items).toEqual([]);
    const first = await c.call('GET', '/api/console/requests?limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(first.body.next).toBeTruthy();
    const second = await c.call('GET', `/api/console/requests?limit=1&cursor=${first.body.next}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].number).not.toBe(first.body.items[0].number);
    expect(second.body.next).toBeNull();
  });

  it("offers the actions the core would allow: the applicant comments, the approver's delegate decides, a reader who takes no part does nothing", async () => {
    const canAct = async (personId: string) => (await (await signedIn(personId)).call('GET', `/api/console/requests/${branchNumber}`)).body.canAct as string[];
    expect(await canAct('liming')).toEqual(['comment']);
    expect(await canAct('liuyang')).toEqual(['approve', 'reject', 'return', 'transfer', 'comment']);
    expect(await canAct('wangfang')).not.toContain('approve');
    const away = await t.app.delegations.create({ principal: 'liuyang', delegate: 'wangfang', startsAt: new Date(Date.now() - 60_000), endsAt: new Date(Date.now() + 3_600_000), createdBy: 'liuyang' });
    expect(away.ok).toBe(true);
    try {
      expect(await canAct('wangfang')).toContain('approve');
    } finally {
      if (away.ok) await t.app.delegations.cancel(away.delegation.id);
    }
    expect(await canAct('wangfang')).not.toContain('approve');
  });

  it('acts through the approval service with its checks (403 not the approver, 422 no reason, 409 decided)', async () => {
    const liming = await signedIn('liming');
    expect((await liming.call('POST', `/api/console/requests/${branchNumber}/actions`, { action: 'approve' })).status).toBe(403);
    const liuyang = await signedIn('liuyang');
    const detail = await liuyang.call('GET', `/api/console/requests/${branchNumber}`);
    expect(detail.body.canAct).toContain('approve');
    expect((await liuyang.call('POST', `/api/console/requests/${branchNumber}/actions`, { action: 'reject' })).status).toBe(422);
    const ok = await liuyang.call('POST', `/api/console/requests/${branchNumber}/actions`, { action: 'approve' });
    expect(ok.status).toBe(200);
    expect(ok.body.request.steps[0].status).toBe('approved');
    expect((await liuyang.call('POST', `/api/console/requests/${branchNumber}/actions`, { action: 'approve', stepId: 'supervisor' })).status).toBe(409);
    const after = await liuyang.call('GET', `/api/console/requests/${branchNumber}`);
    expect((after.body.timeline as Array<{ action: string; platform: string }>).some((e) => /approv/.test(e.action) && e.platform === 'api')).toBe(true);
  });

  it('exports the filtered list as CSV and Excel with Chinese headers, dates as dates', async () => {
    const c = await signedIn('wangfang');
    const csv = await c.call('GET', '/api/console/export.csv?type=content_review');
    expect(csv.status).toBe(200);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await csv.res.arrayBuffer());
    const lines = text.split('\r\n').filter(Boolean);
    expect(lines[0]!.startsWith('\ufeff编号,类型,标题,状态'), lines[0]).toBe(true);
    expect(lines).toHaveLength(3);
    expect(text).toContain(hqNumber);

    const xlsx = await c.call('GET', '/api/console/export.xlsx?type=content_review');
    expect(xlsx.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await xlsx.res.arrayBuffer()) as never);
    const sheet = book.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('编号');
    expect(sheet.rowCount).toBe(3);
    expect(sheet.getRow(2).getCell(7).value).toBeInstanceOf(Date);
    const numbers = [sheet.getRow(2).getCell(1).value, sheet.getRow(3).getCell(1).value];
    expect(numbers.sort()).toEqual([hqNumber, branchNumber].sort());

    // The export is scoped like the list: the branch lead's has no HQ request.
    const zhouqiang = await signedIn('zhouqiang');
    const theirs = await (await zhouqiang.call('GET', '/api/console/export.csv')).res.text();
    expect(theirs).not.toContain(hqNumber);
    expect(theirs).toContain(branchNumber);
  });

  it('exports the decisions on the filtered requests: decider, Chinese action, reason, dates as dates; scoped; 401 without a session', async () => {
    const anon = client();
    for (const path of ['/api/console/export/decisions.csv', '/api/console/export/decisions.xlsx', '/api/console/export/reimbursements.csv', '/api/console/export/reimbursements.xlsx']) {
      expect((await anon.call('GET', path)).status, path).toBe(401);
    }
    // HQ's supervisor sends HQ's request back with a reason: a decision the branch lead must not see.
    const zhaolei = await signedIn('zhaolei');
    expect((await zhaolei.call('POST', `/api/console/requests/${hqNumber}/actions`, { action: 'reject', reason: '图片需更换' })).status).toBe(200);

    const c = await signedIn('wangfang');
    const sheet = await xlsxOf((await c.call('GET', '/api/console/export/decisions.xlsx?type=content_review')).res);
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(['编号', '类型', '标题', '审批步骤', '审批人', '操作', '意见/理由', '审批时间', '平台', '步骤用时（小时）']);
    expect(sheet.rowCount).toBe(3);
    const rows = [2, 3].map((i) => (sheet.getRow(i).values as unknown[]).slice(1));
    const branch = rows.find((r) => r[0] === branchNumber)!;
    expect(branch.slice(1, 6)).toEqual(['内容审核', '华东试驾日海报', '部门主管审核', '刘洋', '同意']);
    expect(branch[7]).toBeInstanceOf(Date);
    expect(branch[8]).toBe('集成接口');
    expect(typeof branch[9]).toBe('number');
    const hq = rows.find((r) => r[0] === hqNumber)!;
    expect(hq.slice(4, 7)).toEqual(['赵磊', '驳回', '图片需更换']);

    const lines = await csvLines((await c.call('GET', '/api/console/export/decisions.csv?type=content_review')).res);
    expect(lines[0]).toBe('\ufeff编号,类型,标题,审批步骤,审批人,操作,意见/理由,审批时间,平台,步骤用时（小时）');
    expect(lines).toHaveLength(3);
    const branchLine = lines.find((l) => l.startsWith(branchNumber))!.split(',');
    expect(branchLine.slice(3, 6)).toEqual(['部门主管审核', '刘洋', '同意']);
    expect(branchLine[7]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

    // Scoped like the list: the branch lead sees the branch's decision and none of HQ's.
    const zhouqiang = await signedIn('zhouqiang');
    const theirs = await csvLines((await zhouqiang.call('GET', '/api/console/export/decisions.csv')).res);
    expect(theirs.some((l) => l.startsWith(branchNumber))).toBe(true);
    expect(theirs.join('\n')).not.toContain(hqNumber);
    expect(theirs.join('\n')).not.toContain('图片需更换');
  });

  it('counts for the dashboard within the scope', async () => {
    const c = await signedIn('wangfang');
    const all = await c.call('GET', '/api/console/dashboard');
    expect(all.body.byType).toEqual({ content_review: 2 });
    const east = await c.call('GET', '/api/console/dashboard?dept=east-branch');
    expect(east.body.byType).toEqual({ content_review: 1 });
  });
  it('exports reimbursements with their event, money as numbers and the overrun', async () => {
    const event = await scoredEvent(t.app.approvals);
    const claim = await t.app.approvals.submit({
      applicantId: 'liming',
      type: 'reimbursement',
      payload: { eventRef: event.number, items: [{ item: '场地', amount: 8000 }, { item: '餐饮', amount: 14000 }], invoices: '04400231', invoiceFiles: [await invoice(t)] },
      platform: 'local',
    });
    if (!claim.ok) throw new Error(JSON.stringify(claim));
    const c = await signedIn('wangfang');
    const sheet = await xlsxOf((await c.call('GET', '/api/console/export/reimbursements.xlsx')).res);
    expect(sheet.rowCount).toBe(2);
    const row = (sheet.getRow(2).values as unknown[]).slice(1);
    // Budget 20,000 (eventPayload), claimed 22,000: 10 % over.
    expect(row.slice(0, 8)).toEqual([claim.state.number, event.number, event.title, '李明', expect.any(String), 20000, 22000, 10]);
    expect(row[9]).toBeInstanceOf(Date);
    const lines = await csvLines((await c.call('GET', '/api/console/export/reimbursements.csv')).res);
    expect(lines[0]!.startsWith('\ufeff编号,活动编号,活动名称,申请人,部门,已批预算（元）,报销金额（元）,超预算（%）,状态'), lines[0]).toBe(true);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',20000,22000,10,');
  });

  it('limits sign-in attempts', async () => {
    const c = client();
    await c.call('GET', '/api/console/session');
    const codes: number[] = [];
    for (let i = 0; i < 22; i++) codes.push((await c.call('POST', '/api/console/sign-in/admin', { token: `wrong-${i}-xxxxxxxxxxxxxxxx` })).status);
    expect(codes).toContain(429);
  });
});
