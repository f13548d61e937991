// The built-in chat simulator in a real browser (Debian's Chromium via playwright-core), against
// the whole service (Postgres, Redis, workers). Uses the example organisation: 李明 (liming)
// applies, his department lead 刘洋 (liuyang) approves; 华东市场审批群 (east-approvals) holds
// liuyang, zhouqiang, liming, hanmei and zhaolei.
//
// SCREENSHOT=1 also writes docs/simulator.png and docs/simulator-phone.png (the README's pictures of the room view).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { EVENT_FORM, simClient } from '../support/sim-client.js';
import { actAs, cardWith, DESKTOP, expectToast, future, openConversation, simInBrowser, submitRegularEvent } from '../support/sim-page.js';

const ROOM = 'room:east-approvals';
const SCREENSHOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/simulator.png');
const PHONE_SCREENSHOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/simulator-phone.png');

const env = simInBrowser();
const newPage = (viewport = DESKTOP): Promise<Page> => env.newPage(viewport);

async function statusOf(card: Locator): Promise<string> {
  return ((await card.getByTestId('card-status').textContent()) ?? '').trim();
}

describe('chat simulator (browser)', () => {
  it('submits an event, refuses a non-approver, approves, and updates every open page live', async () => {
    const page = await newPage();
    await actAs(page, 'liming', '李明');
    await expect(page.getByTestId('me-meta').textContent()).resolves.toContain('华东分公司市场部');
    await submitRegularEvent(page, '冬季车主答谢会');

    // (2) The approval card appears in 华东市场审批群, pending with 刘洋's step only.
    await openConversation(page, ROOM);
    const card = cardWith(page, '冬季车主答谢会');
    await card.getByTestId('card-status').filter({ hasText: '审批中' }).waitFor();
    const testId = (await card.getAttribute('data-testid')) ?? '';
    expect(testId).toMatch(/^card-\d+$/);
    expect(await card.getByTestId('card-markdown').textContent()).toContain('刘洋');

    // zhouqiang's page is open (another context) before the approval; mark its card element.
    const watcher = await newPage();
    await actAs(watcher, 'zhouqiang', '周强');
    await openConversation(watcher, ROOM);
    const watched = watcher.getByTestId(testId);
    await watched.getByTestId('card-status').filter({ hasText: '审批中' }).waitFor();
    await watched.evaluate((el) => (el.dataset.probe = 'opened-before-approval'));

    // (3) hanmei is in the room but not an approver: refused, card unchanged.
    await actAs(page, 'hanmei', '韩梅');
    await page.getByTestId(`unread-${ROOM}`).waitFor(); // a new card she has not seen yet
    await openConversation(page, ROOM);
    await page.getByTestId(`unread-${ROOM}`).waitFor({ state: 'detached' });
    const hanmeiCard = page.getByTestId(testId);
    await hanmeiCard.getByTestId('btn-approve').click();
    await expectToast(page, '你不是该申请的审批人', 'error');
    expect(await statusOf(hanmeiCard)).toContain('审批中');
    expect(await hanmeiCard.getAttribute('data-version')).toBe('1');

    // (4) liuyang approves: toast, and the card becomes 已通过.
    await actAs(page, 'liuyang', '刘洋');
    await openConversation(page, ROOM);
    const liuyangCard = page.getByTestId(testId);
    await liuyangCard.getByTestId('btn-approve').click();
    await expectToast(page, '已同意', 'success');
    await liuyangCard.getByTestId('card-status').filter({ hasText: '已通过' }).waitFor();
    expect(await liuyangCard.getByTestId('btn-approve').count()).toBe(0);

    // (5) zhouqiang's already-open page updated live, in place (the same element).
    await watcher.locator('[data-probe="opened-before-approval"] [data-testid="card-status"]').filter({ hasText: '已通过' }).waitFor();
    expect(await watched.getAttribute('data-probe')).toBe('opened-before-approval');
    expect(Number(await watched.getAttribute('data-version'))).toBeGreaterThan(1);

    // …and a freshly loaded page (history) shows the same.
    await watcher.reload();
    await watcher.getByTestId('me-name').filter({ hasText: '周强' }).waitFor(); // remembered in localStorage
    await openConversation(watcher, ROOM);
    await watcher.getByTestId(testId).getByTestId('card-status').filter({ hasText: '已通过' }).waitFor();

    if (process.env.SCREENSHOT) {
      mkdirSync(dirname(SCREENSHOT), { recursive: true });
      await watcher.waitForTimeout(400); // let the entry animations finish
      await watcher.screenshot({ path: SCREENSHOT });
    }
  });

  it('a wrong form stays open with every error beside its field and the values kept; success only once submitted', async () => {
    const page = await newPage();
    await actAs(page, 'liming', '李明');
    await page.getByTestId('new-request').click();
    await page.getByTestId('new-request-event').click();
    const modal = page.getByTestId('form-modal');
    await modal.waitFor();
    const input = (field: string) => modal.getByTestId(`form-input-${field}`);
    await input('name').fill('错误示范活动');
    await input('category').selectOption('regular');
    await input('start').fill(future(-3, '18:00'));
    await input('end').fill(future(-3, '21:00'));
    await input('headcount').fill('0');
    await input('budget').fill('场地');
    await modal.getByTestId('form-submit').click();
    // Every error at once, beside its field (required ones included); nothing said to succeed.
    for (const field of ['headcount', 'budget', 'start', 'location']) await modal.getByTestId(`form-error-${field}`).filter({ hasText: /\S/ }).waitFor();
    expect(await modal.getByTestId('form-error-headcount').textContent()).toContain('大于 0');
    expect(await modal.getByTestId('form-error-start').textContent()).toContain('已经过去了');
    expect(await page.getByTestId('toast').filter({ hasText: '已提交' }).count()).toBe(0);
    expect(await input('headcount').inputValue()).toBe('0');
    expect(await input('name').inputValue()).toBe('错误示范活动');

    // Closed and opened again: the values wait there.
    await modal.getByTestId('modal-close').click();
    await modal.waitFor({ state: 'detached' });
    await page.getByTestId('new-request').click();
    await page.getByTestId('new-request-event').click();
    await modal.waitFor();
    expect(await input('name').inputValue()).toBe('错误示范活动');
    expect(await input('budget').inputValue()).toBe('场地');
  });

  it('rejects with a reason from the prompt; the applicant is told why', async () => {
    const page = await newPage();
    await actAs(page, 'liming', '李明');
    await submitRegularEvent(page, '春季试驾答谢会');

    await actAs(page, 'liuyang', '刘洋');
    await openConversation(page, ROOM);
    const card = cardWith(page, '春季试驾答谢会');
    await card.getByTestId('card-status').filter({ hasText: '审批中' }).waitFor();
    await card.getByTestId('btn-reject').click();
    const reason = page.getByTestId('reason-input');
    await reason.waitFor();
    expect(await page.getByTestId('reason-ok').isDisabled()).toBe(true); // a reason is required
    await reason.fill('预算明细需要细化到供应商报价');
    await page.getByTestId('reason-ok').click();
    await expectToast(page, '已驳回', 'success');
    await card.getByTestId('card-status').filter({ hasText: '已驳回' }).waitFor();
    // The room's card itself says why, for everyone who sees it (not only the applicant's DM).
    await card.getByText('预算明细需要细化到供应商报价').waitFor();

    // The detail drawer shows the rejection in the timeline, with the reason and platform.
    await card.getByTestId('card-title').click();
    const drawer = page.getByTestId('drawer');
    await drawer.getByTestId('drawer-status').filter({ hasText: '已驳回' }).waitFor();
    const rejected = drawer.locator('[data-testid="timeline-item"][data-action="rejected"]');
    await rejected.waitFor();
    const entry = (await rejected.textContent()) ?? '';
    expect(entry).toContain('刘洋');
    expect(entry).toContain('预算明细需要细化到供应商报价');
    expect(entry).toContain('模拟器');
    await drawer.getByTestId('drawer-close').click();

    // liming's DM has the rejection message with the reason.
    await actAs(page, 'liming', '李明');
    await openConversation(page, 'dm:liming');
    await page.getByTestId('messages').getByText(/春季试驾答谢会.*被刘洋驳回：预算明细需要细化到供应商报价/).waitFor();
  });

  it('detail drawer: the approver transfers, the applicant withdraws', async () => {
    const page = await newPage();
    await actAs(page, 'liming', '李明');
    await submitRegularEvent(page, '车主讲堂');

    // liuyang transfers his step to zhouqiang from the drawer.
    await actAs(page, 'liuyang', '刘洋');
    await openConversation(page, ROOM);
    const card = cardWith(page, '车主讲堂');
    await card.getByTestId('card-status').filter({ hasText: '审批中' }).waitFor();
    await card.getByTestId('card-title').click();
    const drawer = page.getByTestId('drawer');
    await drawer.getByTestId('btn-transfer').click();
    await page.getByTestId('transfer-to').selectOption('zhouqiang');
    await page.getByTestId('transfer-ok').click();
    await expectToast(page, '已转交给周强', 'success');
    await card.getByTestId('card-markdown').filter({ hasText: '周强' }).waitFor();
    await drawer.locator('[data-testid="timeline-item"][data-action="transferred"]').waitFor();
    await drawer.getByTestId('drawer-close').click();

    // liming (the applicant) sees 撤回 but no approver actions; withdrawing closes the request.
    await actAs(page, 'liming', '李明');
    await openConversation(page, ROOM);
    await cardWith(page, '车主讲堂').getByTestId('card-title').click();
    await drawer.getByTestId('btn-withdraw').waitFor();
    expect(await drawer.getByTestId('btn-transfer').count()).toBe(0);
    await drawer.getByTestId('btn-withdraw').click();
    await page.getByTestId('reason-input').fill('活动改期');
    await page.getByTestId('reason-ok').click();
    await expectToast(page, '已撤回申请', 'success');
    await drawer.getByTestId('drawer-status').filter({ hasText: '已撤回' }).waitFor();
    await cardWith(page, '车主讲堂').getByTestId('card-status').filter({ hasText: '已撤回' }).waitFor();
  });

  it('demo clock: fast-forward to the approval deadline; the escalation arrives now', async () => {
    const page = await newPage();
    await actAs(page, 'liming', '李明');
    await submitRegularEvent(page, '车主自驾游');
    const clock = page.getByTestId('demo-clock');
    await clock.waitFor();
    const before = await page.getByTestId('demo-clock-now').textContent();
    await clock.click();
    const menu = page.getByTestId('demo-clock-menu');
    await menu.waitFor();
    // The menu refreshes on opening: the new request's deadline becomes a target.
    const deadline = page.locator('[data-testid="demo-clock-deadline"]:enabled');
    await deadline.waitFor();
    expect(await deadline.textContent()).toMatch(/审批截止（\d/);
    await deadline.click();
    await expectToast(page, '时钟已快进到', 'success');
    await expect(clock.getAttribute('data-ahead')).resolves.toBe('true');
    expect(await page.getByTestId('demo-clock-now').textContent()).not.toBe(before);
    // liming's parent department lead is told at the deadline, now.
    await actAs(page, 'zhouqiang', '周强');
    await openConversation(page, 'dm:zhouqiang');
    await page.getByTestId('messages').getByText(/^超时提醒：李明 的申请/).first().waitFor();
  });

  it('works on a phone (390 × 844): one column, the sidebar on demand, cards readable, the input in view', async () => {
    const submitted = await simClient(env.app.url).act('liming', null, { a: 'submit', t: 'event' }, { ...EVENT_FORM, name: '手机端答谢会' });
    expect(submitted.body.status).toBe('accepted');
    const page = await newPage({ width: 390, height: 844 });
    const box = async (testId: string) => (await page.getByTestId(testId).boundingBox())!;
    // No sideways scrolling; the chat takes the width, the sidebar is off screen until asked for.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect((await box('messages')).width).toBeGreaterThan(360);
    const input = await box('composer-input');
    expect(input.y + input.height).toBeLessThanOrEqual(844);
    expect(input.width).toBeGreaterThan(250);
    await page.getByTestId('side-toggle').click();
    await page.getByTestId('person-picker').selectOption('liuyang');
    await page.getByTestId('me-name').filter({ hasText: '刘洋' }).waitFor();
    await page.getByTestId(`conversation-${ROOM}`).click();
    // Choosing a conversation closes the panel.
    await expect.poll(async () => (await box('sidebar')).x + (await box('sidebar')).width).toBeLessThanOrEqual(0);
    const card = cardWith(page, '手机端答谢会');
    await card.waitFor();
    const c = (await card.boundingBox())!;
    expect(c.width).toBeGreaterThan(300);
    expect(c.x + c.width).toBeLessThanOrEqual(390);
    if (process.env.SCREENSHOT) {
      await card.scrollIntoViewIfNeeded();
      await page.waitForTimeout(400);
      await page.screenshot({ path: PHONE_SCREENSHOT });
    }
    // The new-request form fits the screen.
    await page.getByTestId('new-request').click();
    await page.getByTestId('new-request-event').click();
    const modal = page.getByTestId('form-modal');
    await modal.waitFor();
    const m = (await modal.boundingBox())!;
    expect(m.x).toBeGreaterThanOrEqual(0);
    expect(m.x + m.width).toBeLessThanOrEqual(390);
    const name = (await modal.getByTestId('form-input-name').boundingBox())!;
    expect(name.width).toBeGreaterThan(280);
  });

  it('during a dialog the chips offer its words (返回 / 跳过 / 取消), then the commands again', async () => {
    const page = await newPage();
    await actAs(page, 'zhaolei', '赵磊');
    await openConversation(page, 'dm:zhaolei');
    const chips = page.getByTestId('quick-replies');
    const chipTexts = async () => (await chips.locator('.chip').allTextContents()).join(' ');
    await chips.getByText('申请活动').click();
    await page.locator('[data-testid="quick-replies"][data-dialog="ask"]').waitFor();
    expect(await chipTexts()).toBe('取消');
    await page.getByTestId('composer-input').fill('冬季车主答谢会');
    await page.getByTestId('composer-send').click();
    await chips.getByText('返回').waitFor();
    expect(await chipTexts()).toBe('返回 取消');
    await chips.getByText('取消').click();
    await page.locator('[data-testid="quick-replies"][data-dialog="none"]').waitFor();
    expect(await chipTexts()).toBe('申请活动 待办 我的申请 帮助');
  });
});
