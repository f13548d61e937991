// Issue 18's "done means", in a real Chromium against the whole service: in the simulator 李明
// (liming) files a reimbursement through the dialog, adding two invoice photos with the 📎
// button; 财务 王芳 (wangfang, the finance step of the example organisation) sees them on the
// card as thumbnails and in the archive PDF, which lists the decisions; a bystander (韩梅,
// hanmei) is refused with a copied link. The applicant's page is a 390 px phone.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { locateChromium } from '../support/chromium.js';
import { png } from '../support/files.js';
import { pdfText } from '../support/pdf-text.js';
import { scoredEvent } from '../support/scored-event.js';
import { ensureWebBuild } from '../support/web-build.js';

const WAIT = 20_000;
const POLL = { timeout: WAIT, interval: 200 };
let app: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function newPage(viewport: { width: number; height: number }): Promise<Page> {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(WAIT);
  page.on('pageerror', (err) => console.error('[browser pageerror]', err.message));
  await page.goto(app.url);
  await page.getByTestId('person-picker').waitFor({ state: 'attached' });
  return page;
}

async function actAs(page: Page, personId: string, name: string): Promise<void> {
  // On a phone the picker sits in the sidebar, opened on demand.
  if (!(await page.getByTestId('person-picker').isVisible())) await page.getByTestId('side-toggle').click();
  await page.getByTestId('person-picker').selectOption(personId);
  await page.getByTestId('me-name').filter({ hasText: name }).waitFor();
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor();
}

async function openConversation(page: Page, conversation: string): Promise<void> {
  if (!(await page.getByTestId(`conversation-${conversation}`).isVisible())) await page.getByTestId('side-toggle').click();
  await page.getByTestId(`conversation-${conversation}`).click();
  await page.locator(`[data-testid="conversation-${conversation}"][aria-current="true"]`).waitFor({ state: 'attached' });
}

/** Types a line in the composer and waits for the bot's answer containing `expect`. */
async function say(page: Page, text: string, answer: string): Promise<void> {
  const answers = page.locator('[data-testid="messages"] .msg-bot').filter({ hasText: answer });
  const before = await answers.count();
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-send').click();
  await expect.poll(() => answers.count(), POLL).toBeGreaterThan(before);
}

beforeAll(async () => {
  ensureWebBuild();
  app = await startTestApp();
  browser = await chromium.launch({
    executablePath: locateChromium(),
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 180_000);

afterAll(async () => {
  for (const ctx of contexts) await ctx.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

describe('invoices in the simulator (browser)', () => {
  it('李明 adds two invoice photos with 📎; 王芳 sees them on the card and in the PDF; a bystander is refused', { timeout: 240_000 }, async () => {
    const event = await scoredEvent(app.app.approvals);

    // The applicant, on a phone.
    const phone = await newPage({ width: 390, height: 844 });
    await actAs(phone, 'liming', '李明');
    await openConversation(phone, 'dm:liming');
    await say(phone, '报销', event.number);
    await say(phone, event.number, '报销明细');
    await say(phone, '场地 8000，餐饮 12500', '发票号码');
    await say(phone, '04400231 04400232', '请填写「发票」');
    const attach = phone.getByTestId('composer-attach');
    await attach.waitFor();
    // Each photo through the button's file chooser, as a person would.
    for (const [i, name] of ['发票1.png', '发票2.png'].entries()) {
      const chooser = phone.waitForEvent('filechooser');
      await attach.click();
      await (await chooser).setFiles({ name, mimeType: 'image/png', buffer: png(31 + i) });
      await phone.locator('[data-testid="messages"] .msg-bot').last().filter({ hasText: `已收到「${name}」` }).waitFor();
    }
    // The sent photos show as thumbnails in the chat, loaded through the applicant's own links.
    const sent = phone.getByTestId('message-file').getByTestId('file-thumb');
    await expect.poll(() => sent.count(), POLL).toBe(2);
    await expect.poll(() => sent.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)), POLL).toBe(true);
    // Nothing is wider than the phone.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await say(phone, '好了', '请核对');
    await say(phone, '提交', '已提交申请');
    await expect.poll(() => attach.isHidden(), POLL).toBe(true);

    // The department lead approves (any channel); then finance decides in the browser.
    const { request: r } = (await (await fetch(`${app.url}/api/requests/R-0001`)).json()) as { request: { id: string; number: string } };
    const lead = await app.app.approvals.act(r.id, { type: 'approve', stepId: 'dept-lead', comment: '情况属实' }, { personId: 'liuyang', platform: 'feishu' });
    expect(lead.ok).toBe(true);
    await app.idle();

    const desk = await newPage({ width: 1280, height: 900 });
    await actAs(desk, 'wangfang', '王芳');
    await openConversation(desk, 'room:hq-review');
    const card = desk.locator('[data-testid="messages"] .card').filter({ has: desk.getByTestId('card-title').filter({ hasText: r.number }) }).last();
    await card.getByTestId('btn-approve').waitFor();
    const thumbs = card.getByTestId('file-thumb');
    await expect.poll(() => thumbs.count(), POLL).toBe(2);
    expect(await thumbs.evaluateAll((as) => as.map((a) => (a as HTMLElement).dataset.name))).toEqual(['发票1.png', '发票2.png']);
    await expect.poll(() => thumbs.locator('img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)), POLL).toBe(true);
    // Spend against the approved budget beside the invoices.
    expect(await card.getByTestId('card-fields').textContent()).toContain('预算 ¥20,000，实报 ¥20,500，超 3%');
    // A click shows the full-size photo.
    await thumbs.first().click();
    await desk.getByTestId('lightbox').waitFor();
    await desk.getByTestId('lightbox').click();
    await card.getByTestId('btn-approve').click();
    await expect.poll(async () => (await card.getByTestId('card-status').textContent())?.trim(), POLL).toBe('已通过');

    // The archive from the request's drawer, through links signed for 王芳.
    await card.getByTestId('card-details').click();
    const pdfLink = desk.getByTestId('archive-pdf');
    await expect.poll(() => pdfLink.getAttribute('href'), POLL).toMatch(/^\/archive\/[0-9a-f-]+\/pdf\?p=wangfang&/);
    const pdfRes = await fetch(`${app.url}${await pdfLink.getAttribute('href')}`);
    expect(pdfRes.status).toBe(200);
    const text = (await pdfText(new Uint8Array(await pdfRes.arrayBuffer()))).replace(/\s+/g, '');
    for (const s of [r.number, '部门负责人审批', '刘洋', '飞书', '情况属实', '财务审核', '王芳', '模拟器', '发票1.png', '发票2.png', '预算¥20,000，实报¥20,500，超3%']) expect(text).toContain(s);

    // 王芳's photo link works for her; copied to a bystander it is refused, both as it is handed
    // to them (signed for 韩梅) and with its person changed.
    const thumbHref = (await thumbs.first().getAttribute('href'))!;
    const hers = await fetch(`${app.url}${thumbHref}`, { redirect: 'manual' });
    expect(hers.status).toBe(302);
    const signed = hers.headers.get('location')!;
    expect((await fetch(`${app.url}${signed}`)).status).toBe(200);
    const bystander = await fetch(`${app.url}${thumbHref.replace('as=wangfang', 'as=hanmei')}`);
    expect(bystander.status).toBe(403);
    expect(await bystander.text()).toContain('无权');
    expect((await fetch(`${app.url}${signed.replace('p=wangfang', 'p=hanmei')}`)).status).toBe(403);
    expect((await fetch(`${app.url}${(await pdfLink.getAttribute('href'))!.replace('p=wangfang', 'p=hanmei')}`)).status).toBe(403);
  });
});
