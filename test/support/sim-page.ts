// The chat simulator driven in a real Chromium (playwright-core): a browser per test file and the
// moves every browser test makes — open a page at a viewport, act as someone, open a
// conversation, find a card, wait for a toast — working the same at desktop and phone widths
// (on a phone the sidebar with the person picker and the conversations opens on demand).
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startTestApp, type TestApp } from './app.js';
import { locateChromium } from './chromium.js';
import { ensureWebBuild } from './web-build.js';

export const WAIT = 15_000;
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

export interface SimBrowser {
  newPage(url: string, viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchSimBrowser(): Promise<SimBrowser> {
  const browser: Browser = await chromium.launch({
    executablePath: locateChromium(),
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const contexts: BrowserContext[] = [];
  return {
    async newPage(url, viewport = DESKTOP) {
      const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.setDefaultTimeout(WAIT);
      page.on('pageerror', (err) => console.error('[browser pageerror]', err.message));
      await page.goto(url);
      await page.getByTestId('person-picker').waitFor({ state: 'attached' });
      return page;
    },
    async close() {
      for (const ctx of contexts) await ctx.close().catch(() => {});
      await browser.close();
    },
  };
}

const sidebarShown = async (page: Page) => {
  const side = await page.getByTestId('sidebar').boundingBox();
  return Boolean(side && side.x + side.width > 0);
};

/**
 * A simulator-mode service and a browser for the enclosing describe (or the file): started
 * before its tests, closed after. `newPage` opens the simulator at a viewport.
 */
export function simInBrowser(): { readonly app: TestApp; newPage(viewport?: { width: number; height: number }): Promise<Page> } {
  let app: TestApp | undefined;
  let sim: SimBrowser | undefined;
  beforeAll(async () => {
    ensureWebBuild();
    app = await startTestApp();
    sim = await launchSimBrowser();
  });
  afterAll(async () => {
    await sim?.close();
    await app?.close();
  });
  return {
    get app() {
      return app!;
    },
    newPage: (viewport) => sim!.newPage(app!.url, viewport),
  };
}

/** On a phone the sidebar sits off screen until its toggle opens it (or closes it again). */
async function setSidebar(page: Page, shown: boolean): Promise<void> {
  const toggle = page.getByTestId('side-toggle');
  if (!(await toggle.isVisible()) || (await sidebarShown(page)) === shown) return;
  await toggle.click();
  await expect.poll(() => sidebarShown(page)).toBe(shown);
}

/** Switch the page's identity with the 当前身份 picker and wait for the who-am-I panel. */
export async function actAs(page: Page, personId: string, name: string): Promise<void> {
  await setSidebar(page, true);
  await page.getByTestId('person-picker').selectOption(personId);
  await page.getByTestId('me-name').filter({ hasText: name }).waitFor();
  await page.locator('[data-testid="connection"][data-state="live"]').waitFor();
  await setSidebar(page, false);
}

export async function openConversation(page: Page, conversation: string): Promise<void> {
  await setSidebar(page, true);
  await page.getByTestId(`conversation-${conversation}`).click();
  // On a phone the sidebar slides away once a conversation is chosen: the entry is current, not visible.
  await page.locator(`[data-testid="conversation-${conversation}"][aria-current="true"]`).waitFor({ state: 'attached' });
  if (await page.getByTestId('side-toggle').isVisible()) await expect.poll(() => sidebarShown(page)).toBe(false);
}

/** The card in the open conversation whose title mentions `text`. */
export function cardWith(page: Page, text: string | RegExp): Locator {
  return page.locator('[data-testid="messages"] .card').filter({ has: page.getByTestId('card-title').filter({ hasText: text }) });
}

export async function expectToast(page: Page, text: string | RegExp, tone?: 'success' | 'error' | 'info'): Promise<void> {
  const toast = page.getByTestId('toast').filter({ hasText: text }).last();
  await toast.waitFor();
  if (tone) expect(await toast.getAttribute('data-tone')).toBe(tone);
}

/** Type a message into the open conversation and send it. */
export async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-send').click();
}

/** A message in the open conversation, its text matching `text`. */
export async function waitForMessage(page: Page, text: string | RegExp): Promise<string> {
  const found = page.getByTestId('messages').getByText(text).last();
  await found.waitFor();
  return (await found.textContent()) ?? '';
}

/** A local datetime-local value `days` after `from` at `hh:mm`. */
export function future(days: number, time: string, from = new Date()): string {
  const d = new Date(from.getTime() + days * 86_400_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${time}`;
}

/** Fill a form's inputs (in a modal or a card) by field name: text is typed, a select chosen. */
export async function fillForm(form: Locator, values: Readonly<Record<string, string>>): Promise<void> {
  for (const [field, value] of Object.entries(values)) {
    const input = form.getByTestId(`form-input-${field}`);
    if ((await input.evaluate((el) => el.tagName)) === 'SELECT') await input.selectOption(value);
    else await input.fill(value);
  }
}

/** As the current person, 发起申请 → 活动申请 with a regular event inside the framework standard; returns its number. */
export async function submitRegularEvent(page: Page, name: string, days = 30): Promise<string> {
  await page.getByTestId('new-request').click();
  await page.getByTestId('new-request-event').click();
  const modal = page.getByTestId('form-modal');
  await modal.waitFor();
  await fillForm(modal, {
    name,
    category: 'regular',
    eventType: '客户答谢会',
    format: '晚宴',
    start: future(days, '18:00'),
    end: future(days, '21:00'),
    location: '杭州西湖国宾馆',
    content: '新车型介绍、车主抽奖、晚宴',
    headcount: '80',
    participants: '老车主 70 人，市场部 10 人',
    budget: '场地 8000, 餐饮 12000',
    purpose: '回馈老客户，促进转介绍',
    runSheet: '18:00 签到；18:30 致辞；19:00 晚宴',
    safety: '场地消防检查，配备急救箱',
    onSiteLead: '李明',
  });
  // 加急 is offered, off by default.
  expect(await modal.getByTestId('form-input-urgent').inputValue()).toBe('no');
  await modal.getByTestId('form-submit').click();
  await modal.waitFor({ state: 'detached' });
  // The bot confirms in the applicant's DM (the page switches there after submitting).
  const said = await waitForMessage(page, /已提交申请 [A-Z]-\d+/);
  return /([A-Z]-\d+)/.exec(said)![1]!;
}
