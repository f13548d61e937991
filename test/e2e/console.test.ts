// The web console in Chromium (playwright-core) against the whole service, on a phone-sized
// viewport: sign in by picking a person (simulator mode), search and filter, a branch lead
// refused HQ's request by URL, an approval in the console updating the chat card, an export.
import ExcelJS from 'exceljs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateReviewsOrg } from '../support/console-seed.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { locateChromium } from '../support/chromium.js';
import { simClient } from '../support/sim-client.js';
import { waitFor } from '../support/wait.js';
import { ensureWebBuild } from '../support/web-build.js';

const TOKEN = 'console-e2e-token-0123456789';
const PHONE = { width: 390, height: 844 };

let app: TestApp;
let browser: Browser;
const contexts: BrowserContext[] = [];
let hq = '';
let branch = '';

beforeAll(async () => {
  ensureWebBuild();
  app = await startTestApp({ ADMIN_TOKEN: TOKEN, SIMULATOR: 'on' }, { dir: privateReviewsOrg() });
  browser = await chromium.launch({ executablePath: locateChromium(), args: ['--no-sandbox'] });
  const submit = async (applicantId: string, payload: Record<string, string>) => {
    const r = await fetch(`${app.url}/api/requests`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ applicantId, type: 'content_review', payload }) });
    return ((await r.json()) as { request: { number: string } }).request.number;
  };
  hq = await submit('sunli', { title: '总部春季推文', channel: '公众号', content: '春季新车上市' });
  branch = await submit('liming', { title: '华东试驾日海报', channel: '朋友圈', content: '周末试驾体验' });
  await app.idle();
}, 90_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

async function signedIn(personId: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: PHONE, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${app.url}/console`);
  await page.getByTestId(`as-${personId}`).click();
  await page.getByTestId('whoami').waitFor();
  return page;
}

describe('web console', () => {
  it('signs in by picking a person and searches and filters the requests', async () => {
    const page = await signedIn('wangfang');
    await expect.poll(() => page.getByTestId('whoami').textContent()).toBe('王芳');
    await page.getByTestId(`row-${hq}`).waitFor();
    await page.getByTestId('filter-q').fill('试驾');
    await page.getByTestId('search').click();
    await page.getByTestId(`row-${hq}`).waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('requests').locator('tbody tr').count()).toBe(1);
    await page.getByTestId('filter-q').fill('');
    await page.getByTestId('filter-dept').selectOption('hq-marketing');
    await page.getByTestId(`row-${hq}`).waitFor();
    expect(await page.getByTestId(`row-${branch}`).count()).toBe(0);
  });

  it("refuses a branch lead HQ's request opened by URL", async () => {
    const page = await signedIn('zhouqiang');
    await page.goto(`${app.url}/console#/r/${hq}`);
    await expect.poll(() => page.getByTestId('detail-error').textContent()).toBe('你无权查看该申请');
    await page.goto(`${app.url}/console#/r/${branch}`);
    await page.getByTestId('detail').waitFor();
  });

  it('approves in the console and the chat card follows', async () => {
    const sim = simClient(app.url);
    // liuyang's copy of the approval card (the first step is his).
    const cardOf = async () => (await sim.history('liuyang')).find((m) => m.card && JSON.stringify(m.card).includes(branch));
    const before = await waitFor('the approval card in the chat', cardOf);
    const page = await signedIn('liuyang');
    await page.goto(`${app.url}/console#/r/${branch}`);
    await page.getByTestId('act-approve').click();
    await page.getByTestId('act-feedback').waitFor();
    await app.idle();
    const after = await waitFor('the card updated', async () => {
      const m = await cardOf();
      return m && m.version > before.version ? m : undefined;
    });
    expect(JSON.stringify(after.card)).not.toEqual(JSON.stringify(before.card));
  });

  it('exports the filtered list to Excel', async () => {
    const page = await signedIn('wangfang');
    await page.getByTestId('filter-q').fill('春季');
    await page.getByTestId('search').click();
    await page.getByTestId(`row-${branch}`).waitFor({ state: 'detached' });
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile((await download.path())!);
    const sheet = book.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('编号');
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(1).value).toBe(hq);
    expect(sheet.getRow(2).getCell(7).value).toBeInstanceOf(Date);
  });
});
