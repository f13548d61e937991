// The printable archive of a request: the read API's page and PDF (token, person check, unknown
// request), the PDF's text (the decisions with who/platform/comment, the spend against the
// budget, the invoices), and signed per-person links that refuse tampering, expiry and bystanders.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestState } from '../../src/core/model.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { png } from '../support/files.js';
import { pdfText } from '../support/pdf-text.js';
import { scoredEvent } from '../support/scored-event.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

let t: TestApp;
let clock = 0;
let r: RequestState;
beforeAll(async () => {
  // No simulator: the read API is behind the token.
  t = await startTestApp({ ADMIN_TOKEN: TOKEN, SIMULATOR: 'off' }, { now: () => new Date(Date.now() + clock) });
  const event = await scoredEvent(t.app.approvals);
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(png(21))]), '发票1.png');
  form.append('file', new Blob([new Uint8Array(png(22))]), '发票2.png');
  const up = await fetch(`${t.url}/api/files?type=reimbursement&field=invoiceFiles&uploaderId=liming`, { method: 'POST', headers: auth, body: form });
  expect(up.status).toBe(201);
  const { files } = (await up.json()) as { files: unknown[] };
  const submitted = await t.app.approvals.submit({ applicantId: 'liming', type: 'reimbursement', payload: { eventRef: event.number, items: [{ item: '场地', amount: 8000 }, { item: '餐饮', amount: 12500 }], invoices: '04400231 04400232', invoiceFiles: files }, platform: 'local' });
  if (!submitted.ok) throw new Error(JSON.stringify(submitted));
  r = submitted.state;
  const act = async (stepId: string, personId: string, platform: 'feishu' | 'dingtalk', comment: string) => {
    const done = await t.app.approvals.act(r.id, { type: 'approve', stepId, comment }, { personId, platform });
    if (!done.ok) throw new Error(JSON.stringify(done));
  };
  await act('dept-lead', 'liuyang', 'feishu', '情况属实');
  await act('finance', 'wangfang', 'dingtalk', '发票齐全，同意报销');
}, 120_000);
afterAll(() => t?.close());

const get = (path: string, headers: Record<string, string> = auth) => fetch(`${t.url}${path}`, { headers });

describe('archive through the read API', () => {
  it('needs the token, a known request, and a person who may see it', async () => {
    expect((await get(`/api/requests/${r.id}/archive.pdf`, {})).status).toBe(401);
    expect((await get(`/api/requests/${r.id}/archive.html`, {})).status).toBe(401);
    expect((await get('/api/requests/00000000-0000-4000-8000-000000000000/archive.pdf')).status).toBe(404);
    const notFound = await get('/api/requests/R-9999/archive.html');
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: string }).error).toBe('没有找到这份申请。');
    // 韩梅 works in the applicant's department but is not part of a reimbursement.
    const bystander = await get(`/api/requests/${r.id}/archive.pdf?personId=hanmei`);
    expect(bystander.status).toBe(403);
    expect(((await bystander.json()) as { error: string }).error).toBe('链接无效或已过期，或你无权查看这份申请。');
    expect((await get(`/api/requests/${r.id}/archive-link?personId=hanmei`)).status).toBe(403);
  });

  it('the page holds the request, every decision and the invoices as embedded images', async () => {
    const res = await get(`/api/requests/${r.number}/archive.html?personId=wangfang`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain(`${r.number} `);
    expect(html).toContain('发票齐全，同意报销');
    expect(html).toContain('钉钉');
    expect(html).toContain('预算 ¥20,000，实报 ¥20,500，超 3%');
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(2);
  });

  it('the PDF (Chromium) says who decided, where, and why', { timeout: 60_000 }, async () => {
    const res = await get(`/api/requests/${r.id}/archive.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(Buffer.from(bytes.subarray(0, 5)).toString()).toBe('%PDF-');
    const text = (await pdfText(bytes)).replace(/\s+/g, '');
    for (const s of ['审批归档', r.number, '部门负责人审批', '刘洋', '飞书', '情况属实', '财务审核', '王芳', '钉钉', '发票齐全，同意报销', '发票1.png', '发票2.png', '预算¥20,000，实报¥20,500，超3%']) expect(text).toContain(s);
  });
});

describe('archive through a signed link', () => {
  const linkFor = async (personId: string) => (await (await get(`/api/requests/${r.id}/archive-link?personId=${personId}`)).json()) as { html: string; pdf: string };

  it('opens for its person, and refuses a changed person, a forged signature and an expired link', async () => {
    const links = await linkFor('wangfang');
    expect(links.pdf).toMatch(new RegExp(`^/archive/${r.id}/pdf\\?p=wangfang&e=\\d+&s=`));
    const page = await get(links.html, {});
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('发票齐全，同意报销');
    const copied = await get(links.html.replace('p=wangfang', 'p=hanmei'), {});
    expect(copied.status).toBe(403);
    expect(await copied.text()).toBe('链接无效或已过期，或你无权查看这份申请。');
    expect((await get(links.html.replace(/s=[^&]+/, 's=AAAA'), {})).status).toBe(403);
    clock = 25 * 3600_000;
    try {
      expect((await get(links.html, {})).status).toBe(403);
    } finally {
      clock = 0;
    }
  });

  it('serves the PDF through the link', { timeout: 60_000 }, async () => {
    const res = await get((await linkFor('liming')).pdf, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
  });
});

describe("the page a card's 查看详情 opens", () => {
  it('is served with the simulator off (only platforms on), so chat-app links land on the console', async () => {
    const res = await fetch(`${t.url}/console`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('id="console"');
    expect((await fetch(`${t.url}/`)).status).toBe(404);
  });
});
