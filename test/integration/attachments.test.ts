// Attachments through the integration API on Postgres: multipart upload with the field's limits
// (type by the bytes, size, count; a clear Chinese refusal and nothing stored), JSON references
// on submission, one stored copy of the same bytes, the reimbursement's required invoices, and
// signed links that refuse tampering, expiry and people outside the request.
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXAMPLE_ORG_FILE, directoryFromText } from '../../src/org/load.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { exe, pdf, png } from '../support/files.js';

const TOKEN = 'test-admin-token-0123456789';
const MB = 1024 * 1024;

/** The example organisation plus a type of its own whose attachments field has small limits. */
function organisation() {
  const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as Record<string, unknown[]>;
  org.requestTypes = [
    {
      id: 'expense',
      name: '日常报销',
      prefix: 'E',
      fields: [
        { key: 'purpose', label: '事由', kind: 'text' },
        { key: 'receipts', label: '票据', kind: 'attachments', files: { min: 1, max: 2, types: ['image', 'pdf'], maxFileMb: 1, maxTotalMb: 1.5 } },
      ],
    },
  ];
  org.workflows!.push({ requestType: 'expense', steps: [{ id: 'dept-lead', name: '部门负责人审批', approvers: ['dept_lead'] }] });
  return directoryFromText(stringify(org));
}

let t: TestApp;
let sql: postgres.Sql;
let clock = 0; // ms added to the real time
beforeAll(async () => {
  t = await startTestApp({ ADMIN_TOKEN: TOKEN }, { dir: organisation(), now: () => new Date(Date.now() + clock) });
  sql = postgres(t.app.config.DATABASE_URL!, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await sql?.end();
  await t?.close();
});

const auth = { authorization: `Bearer ${TOKEN}` };

async function upload(type: string, field: string, uploaderId: string, files: Array<{ name: string; bytes: Buffer; mime?: string }>) {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([new Uint8Array(f.bytes)], { type: f.mime ?? 'application/octet-stream' }), f.name);
  const r = await fetch(`${t.url}/api/files?type=${type}&field=${field}&uploaderId=${uploaderId}`, { method: 'POST', headers: auth, body: form });
  return { status: r.status, body: (await r.json()) as { files?: Array<{ id: string; name: string; mime: string; size: number }>; error?: string } };
}

const call = async (method: string, path: string, body?: unknown) => {
  const r = await fetch(`${t.url}${path}`, { method, headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response shapes vary per route
  return { status: r.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as Record<string, any> };
};

const counts = async () => {
  const [row] = await sql<Array<{ files: number; chunks: number; attachments: number }>>`
    select (select count(*)::int from files) as files, (select count(*)::int from file_chunks) as chunks, (select count(*)::int from attachments) as attachments`;
  return row!;
};

describe('attachments', () => {
  let requestId = '';
  const invoice = png(7, 600_000); // spans three 256 KiB chunks

  it('refuses too big, wrong type under an image name, too many — in Chinese, storing nothing', async () => {
    const before = await counts();
    const big = await upload('expense', 'receipts', 'liming', [{ name: '大发票.png', bytes: png(1, 1.2 * MB) }]);
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('「大发票.png」太大，每个文件不超过 1 MB');
    const disguised = await upload('expense', 'receipts', 'liming', [{ name: 'invoice.jpg', bytes: exe(), mime: 'image/jpeg' }]);
    expect(disguised.status).toBe(415);
    expect(disguised.body.error).toBe('「invoice.jpg」的类型不被接受，只接受图片、PDF');
    const text = await upload('expense', 'receipts', 'liming', [{ name: 'note.png', bytes: Buffer.from('not really an image, just text '.repeat(10)) }]);
    expect(text.status).toBe(415);
    const many = await upload('expense', 'receipts', 'liming', [1, 2, 3].map((i) => ({ name: `p${i}.png`, bytes: png(100 + i) })));
    expect(many.status).toBe(422);
    expect(many.body.error).toBe('最多 2 个文件');
    const notFiles = await upload('expense', 'purpose', 'liming', [{ name: 'a.png', bytes: png(1) }]);
    expect(notFiles.status).toBe(404);
    const after = await counts();
    // The refused files left nothing; the "too many" call kept its first two (stored before the third came).
    expect(after.files - before.files).toBe(2);
    expect(after.chunks - before.chunks).toBe(2);
  });

  it('stores the same bytes once, and submits with references; the timeline says who added what', async () => {
    const before = await counts();
    const a = await upload('expense', 'receipts', 'liming', [{ name: '发票1.png', bytes: invoice }]);
    const b = await upload('expense', 'receipts', 'liming', [{ name: '发票-副本.png', bytes: invoice }]);
    expect(a.status).toBe(201);
    expect(a.body.files![0]).toMatchObject({ name: '发票1.png', mime: 'image/png', size: invoice.length });
    const after = await counts();
    expect(after.files - before.files).toBe(1);
    expect(after.chunks - before.chunks).toBe(3);
    expect(after.attachments - before.attachments).toBe(2);
    const p = await upload('expense', 'receipts', 'liming', [{ name: '发票2.pdf', bytes: pdf('INV-2') }]);
    const ids = [a.body.files![0]!.id, p.body.files![0]!.id];

    // Someone else cannot take liming's upload.
    const stolen = await call('POST', '/api/requests', { applicantId: 'hanmei', type: 'expense', form: { purpose: '打车' }, files: { receipts: [b.body.files![0]!.id] } });
    expect(stolen.status).toBe(422);
    expect(stolen.body.error).toContain('找不到文件');

    const res = await call('POST', '/api/requests', { applicantId: 'liming', type: 'expense', form: { purpose: '客户答谢会物料' }, files: { receipts: ids } });
    expect(res.status).toBe(201);
    requestId = res.body.request.id;
    expect(res.body.request.payload.receipts.map((r: { name: string }) => r.name)).toEqual(['发票1.png', '发票2.pdf']);
    // The same upload cannot serve a second request.
    const again = await call('POST', '/api/requests', { applicantId: 'liming', type: 'expense', form: { purpose: '再报一次' }, files: { receipts: [ids[0]] } });
    expect(again.status).toBe(422);
    const detail = await call('GET', `/api/requests/${requestId}`);
    const added = detail.body.timeline.find((e: { action: string }) => e.action === 'attachments_added');
    expect(added).toMatchObject({ actorId: 'liming', platform: 'api', detail: { field: 'receipts', files: [{ name: '发票1.png' }, { name: '发票2.pdf' }] } });
    const card = JSON.stringify(detail.body.card);
    expect(card).toContain('2 个文件：发票1.png、发票2.pdf');
  });

  it('a required attachments field refuses a submission without files', async () => {
    const none = await call('POST', '/api/requests', { applicantId: 'liming', type: 'expense', form: { purpose: '无票' } });
    expect(none.status).toBe(422);
    expect(Object.keys(none.body.fields)).toEqual(['receipts']);
    const reimbursement = await call('POST', '/api/requests', { applicantId: 'liming', type: 'reimbursement', form: { eventRef: 'A-0001', items: '场地 8000', invoices: '04400231' } });
    expect(reimbursement.status).toBe(422);
    expect(Object.keys(reimbursement.body.fields)).toEqual(['invoiceFiles']);
    expect(reimbursement.body.fields.invoiceFiles).toContain('发票');
  });

  it('serves a file through a signed link only to people who may see the request, untampered and unexpired', async () => {
    const mine = await call('GET', `/api/requests/${requestId}/attachments?personId=liuyang`);
    expect(mine.status).toBe(200);
    const url = mine.body.items[0].url as string;
    const ok = await fetch(`${t.url}${url}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await ok.arrayBuffer()).equals(invoice)).toBe(true);

    // hanmei (same department, not a participant, no room, not copied) may not list or fetch.
    expect((await call('GET', `/api/requests/${requestId}/attachments?personId=hanmei`)).status).toBe(403);
    const copied = await fetch(`${t.url}${url.replace('p=liuyang', 'p=hanmei')}`);
    expect(copied.status).toBe(403);
    expect(await copied.text()).toBe('这个文件链接无效、已过期，或你无权查看该申请。');
    const tampered = url.replace(/s=([^&]+)/, (_m, s: string) => `s=${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`);
    expect((await fetch(`${t.url}${tampered}`)).status).toBe(403);
    const longer = url.replace(/e=(\d+)/, (_m, e: string) => `e=${Number(e) + 3600_000}`);
    expect((await fetch(`${t.url}${longer}`)).status).toBe(403);
    const otherFile = url.replace(/\/files\/[^?]+/, `/files/${mine.body.items[1].id}`);
    expect((await fetch(`${t.url}${otherFile}`)).status).toBe(403);
    clock += 25 * 3600_000;
    try {
      expect((await fetch(`${t.url}${url}`)).status).toBe(403);
    } finally {
      clock -= 25 * 3600_000;
    }
    // The applicant may list their own request's files.
    expect((await call('GET', `/api/requests/${requestId}/attachments?personId=liming`)).status).toBe(200);
  });
});
