// The console's dashboard, directory and the "done" walk in Chromium, on the known
// requests of test/support/console-seed.ts: a chart drawn by ECharts with the right numbers,
// the directory listing a person with their platform accounts, and a manager finding last
// week's overdue requests of one department, exporting them and opening one on a phone.
// SCREENSHOT=1 also writes docs/console.png, docs/console-phone.png and docs/console-dashboard.png
// (the README's pictures of the console).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { locateChromium } from '../support/chromium.js';
import { privateReviewsOrg, seedClock, seedConsole, type Seeded } from '../support/console-seed.js';
import { ensureWebBuild } from '../support/web-build.js';

const DOCS = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs');
const PHONE = { width: 390, height: 844 };
const DESK = { width: 1280, height: 800 };

let app: TestApp;
let browser: Browser;
let seeded: Seeded;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ensureWebBuild();
  const clock = seedClock();
  app = await startTestApp({ SIMULATOR: 'on' }, { dir: privateReviewsOrg(), now: clock.now });
  seeded = await seedConsole(app, clock);
  await app.idle();
  browser = await chromium.launch({ executablePath: locateChromium(), args: ['--no-sandbox'] });
}, 120_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await app?.close();
});

async function signedIn(personId: string, viewport = PHONE): Promise<Page> {
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(`${app.url}/console`);
  await page.getByTestId(`as-${personId}`).click();
  await page.getByTestId('whoami').waitFor();
  return page;
}

interface ChartData {
  categories: string[];
  series: Array<{ name: string; data: number[] }>;
}
const chartOf = async (page: Page, name: string): Promise<ChartData> => JSON.parse((await page.getByTestId(`chart-${name}`).getAttribute('data-chart'))!) as ChartData;

// Several browser contexts per test: longer than the default 30 s on a busy machine.
describe('console dashboard in Chromium', { timeout: 60_000 }, () => {
  it('draws the charts with the numbers of the requests the viewer may see', async () => {
    const page = await signedIn('wangfang');
    await page.getByTestId('nav-charts').click();
    await page.getByTestId('chart-overdue').waitFor();
    // ECharts drew into the element (its instance marks it, its canvas has a size).
    const drawn = await page.getByTestId('chart-overdue').evaluate((el) => ({ instance: el.getAttribute('_echarts_instance_'), width: el.querySelector('canvas')?.width ?? 0 }));
    expect(drawn.instance).toBeTruthy();
    expect(drawn.width).toBeGreaterThan(0);
    expect(await chartOf(page, 'overdue')).toEqual({ categories: ['华东分公司市场部', '总部市场部'], series: [{ name: '各部门逾期', data: [1, 1] }] });
    expect(await chartOf(page, 'spend')).toEqual({ categories: ['华东分公司市场部'], series: [{ name: '批准预算', data: [20000] }, { name: '已报销', data: [18500] }] });
    const lead = await chartOf(page, 'lead-time');
    const at = lead.categories.indexOf('内容审核 · 部门主管审核');
    expect(lead.series.map((s) => s.data[at])).toEqual([4, 5.6]);
    expect(await chartOf(page, 'events')).toEqual({ categories: ['常规活动'], series: [{ name: '活动类别', data: [1] }] });
    expect(await page.getByTestId('figure-overdue').locator('strong').textContent()).toBe('2');
    expect(await page.getByTestId('figure-score').locator('strong').textContent()).toBe('86');

    // One department: the numbers follow the filter.
    await page.getByTestId('charts-dept').selectOption('hq-marketing');
    await expect.poll(async () => (await chartOf(page, 'overdue')).categories).toEqual(['总部市场部']);
    expect(await page.getByTestId('chart-spend-empty').count()).toBe(1);
  });

  it("limits a branch lead's charts to the branch", async () => {
    const page = await signedIn('zhouqiang');
    await page.goto(`${app.url}/console#/charts`);
    await page.getByTestId('chart-overdue').waitFor();
    expect(await chartOf(page, 'overdue')).toEqual({ categories: ['华东分公司市场部'], series: [{ name: '各部门逾期', data: [1] }] });
  });

  it('lists people with their platform accounts, and health, for managers only', async () => {
    const page = await signedIn('chenjie');
    await page.getByTestId('nav-org').click();
    const row = page.getByTestId('person-sunli');
    await row.waitFor();
    expect(await row.locator('td').first().textContent()).toBe('孙丽');
    expect(await page.getByTestId('link-sunli-feishu').textContent()).toBe('飞书 ou_sunli');
    expect(await page.getByTestId('link-sunli-wecom').textContent()).toBe('企业微信 SunLi');
    expect(await page.getByTestId('link-sunli-dingtalk').count()).toBe(0);
    await page.getByTestId('nav-health').click();
    await page.getByTestId('channel-local').waitFor();
    expect(await page.getByTestId('channel-local').textContent()).toContain('正常');
    expect(await page.getByTestId('year-2026').textContent()).toContain('2026');

    const staff = await signedIn('liming');
    expect(await staff.getByTestId('nav-org').count()).toBe(0);
    await staff.goto(`${app.url}/console#/org`);
    await expect.poll(() => staff.getByTestId('org-error').textContent()).toBe('仅管理员和部门负责人可查看');
  });

  it("done: a manager finds last week's overdue requests of one department, exports them and opens one on a phone", async () => {
    const page = await signedIn('chenjie', DESK);
    await page.getByTestId('filter-dept').selectOption('east-marketing');
    await page.getByTestId('filter-from').fill('2026-11-23');
    await page.getByTestId('filter-to').fill('2026-11-29');
    await page.getByTestId('filter-overdue').check();
    await page.getByTestId(`row-${seeded.eastOverdue}`).waitFor();
    await expect.poll(() => page.getByTestId('requests').locator('tbody tr').count()).toBe(1);
    if (process.env.SCREENSHOT) {
      mkdirSync(DOCS, { recursive: true });
      await page.screenshot({ path: resolve(DOCS, 'console.png') });
    }
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile((await download.path())!);
    const sheet = book.worksheets[0]!;
    expect(sheet.rowCount).toBe(2);
    expect(sheet.getRow(2).getCell(1).value).toBe(seeded.eastOverdue);

    const phone = await signedIn('chenjie', PHONE);
    await phone.goto(`${app.url}/console#/r/${seeded.eastOverdue}`);
    await phone.getByTestId('detail').waitFor();
    expect(await phone.getByTestId('detail-status').textContent()).toBe('审批中');
    if (process.env.SCREENSHOT) {
      await phone.screenshot({ path: resolve(DOCS, 'console-phone.png') });
      const desk = await signedIn('chenjie', DESK);
      await desk.goto(`${app.url}/console#/charts`);
      await desk.getByTestId('chart-scores').waitFor();
      await desk.waitForTimeout(800); // ECharts' entry animation
      await desk.screenshot({ path: resolve(DOCS, 'console-dashboard.png'), fullPage: true });
    }
  }, 90_000);
});
