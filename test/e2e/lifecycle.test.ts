// An event's whole life in the simulator, in a real Chromium, at desktop and at phone size: the
// application, the approval, the demo clock fast-forwarding to the event's end, the summary
// prompt and form, its review, the leader's score (typed as Chinese numerals) and its
// confirmation, the applicant told the score and the comments, the reimbursement prompt, and the
// next morning's digest — asserting the texts a new user reads on the way. Each size gets its own
// service, since the demo clock moves that service's time for everyone.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { actAs, cardWith, DESKTOP, expectToast, fillForm, openConversation, PHONE, say, simInBrowser, submitRegularEvent, waitForMessage } from '../support/sim-page.js';

const ROOM = 'room:east-approvals';

/** Fast-forward the demo clock to one of its targets (event_end, digest, deadline, reminder). */
async function fastForward(page: Page, to: 'event_end' | 'digest'): Promise<void> {
  await page.getByTestId('demo-clock').click();
  const target = page.locator(`[data-testid="demo-clock-${to}"]:enabled`);
  await target.waitFor();
  await target.click();
  await expectToast(page, '时钟已快进到', 'success');
}

describe.each([
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const)('an event from application to digest (%s)', (size, viewport) => {
  const env = simInBrowser();

  it('applied, approved, ended, summarised, scored, prompted for the reimbursement, digested', async () => {
    const page = await env.newPage(viewport);
    if (size === 'phone') expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    const title = `${size === 'phone' ? '手机' : '桌面'}年终答谢会`;

    // 1. 李明 applies with the form; the DM says the number.
    await actAs(page, 'liming', '李明');
    const number = await submitRegularEvent(page, title, 3);

    // 2. 刘洋 approves in the room (a regular event inside the framework: one step).
    await actAs(page, 'liuyang', '刘洋');
    await openConversation(page, ROOM);
    const card = cardWith(page, title);
    await card.getByTestId('card-status').filter({ hasText: '审批中' }).waitFor();
    await card.getByTestId('btn-approve').click();
    await expectToast(page, '已同意', 'success');
    await card.getByTestId('card-status').filter({ hasText: '已通过' }).waitFor();

    // 3. 李明 asks what cannot be done yet, by typing: each answer says why and what to do instead.
    await actAs(page, 'liming', '李明');
    await openConversation(page, 'dm:liming');
    await say(page, `提交总结 ${number}`);
    await waitForMessage(page, new RegExp(`活动 ${number} 尚未结束（.+ 21:00 结束），结束后即可提交总结。`));
    await say(page, `撤回 ${number}`);
    await waitForMessage(page, `申请 ${number} 已审批通过，不能再撤回（撤回只能在审批完成前进行）。如计划有变或活动取消，请在申请详情里评论告知 刘洋`);

    //    The demo clock runs to the event's end: 李明 is prompted for the summary, with its form.
    await fastForward(page, 'event_end');
    await waitForMessage(page, `活动 ${number}「${title}」已结束，请提交活动总结`);
    const summaryForm = cardWith(page, '活动总结').last();
    await summaryForm.getByTestId('form-submit').waitFor();
    expect(await summaryForm.getByTestId('form-input-eventRef').inputValue()).toBe(number);
    await fillForm(summaryForm, {
      overview: '到场老车主 76 人，流程顺利',
      attendance: '七十六',
      results: '到场 76 人，意向订单 12 台',
      feedback: '希望增加试驾环节',
      problems: '签到排队较长',
      lessons: '增设签到台',
      safetyReview: '无安全事故',
      actualSpend: '场地 8000, 餐饮 11500',
    });
    await summaryForm.getByTestId('form-submit').click();
    await waitForMessage(page, /已提交申请 [A-Z]-\d+/);

    // 4. 刘洋 reviews the summary in the room, then scores the event in his DM: Chinese numerals read.
    await actAs(page, 'liuyang', '刘洋');
    await openConversation(page, ROOM);
    const summaryCard = cardWith(page, /活动总结/).last();
    await summaryCard.getByTestId('btn-approve').click();
    await expectToast(page, '已同意', 'success');
    await openConversation(page, 'dm:liuyang');
    await waitForMessage(page, `活动 ${number}「${title}」的总结已提交，请进行考核评分`);
    const scoringForm = cardWith(page, '活动考核评分').last();
    await scoringForm.getByTestId('form-submit').waitFor();
    await fillForm(scoringForm, { qualitative: '三十五', quantitative: '50', comments: '组织有序，转介绍可再加强' });
    await scoringForm.getByTestId('form-submit').click();
    await waitForMessage(page, /已提交申请 [A-Z]-\d+/);

    // 5. 赵磊 (总部评分确认) confirms the score from his DM.
    await actAs(page, 'zhaolei', '赵磊');
    await openConversation(page, 'dm:zhaolei');
    const confirm = cardWith(page, '活动考核评分').last();
    await confirm.getByTestId('btn-approve').click();
    await expectToast(page, '已同意', 'success');

    // 6. 李明 is told the score and the comments, and prompted for the reimbursement.
    await actAs(page, 'liming', '李明');
    await openConversation(page, 'dm:liming');
    await waitForMessage(page, `活动 ${number}「${title}」已评分：85 分（定性 35，定量 50），评分人 刘洋。意见：组织有序，转介绍可再加强`);
    await waitForMessage(page, new RegExp(`${number}「${title}」.*报销`));

    // 7. With a new application waiting, the next morning's digest: 刘洋 reads what waits for him,
    //    for how long in working time, and what its counts cover.
    const next = await submitRegularEvent(page, `${title}（二期）`, 10);
    await fastForward(page, 'digest');
    await actAs(page, 'liuyang', '刘洋');
    await openConversation(page, 'dm:liuyang');
    const digest = await waitForMessage(page, /每日摘要 · /);
    expect(digest).toContain('待你审批（1）');
    expect(digest).toMatch(new RegExp(`${next}「${title}（二期）」· 部门负责人审批 · 已等 .+（工作时间）`));
    expect(digest).toMatch(/昨日新增 \d+/);
  }, 300_000);
});
