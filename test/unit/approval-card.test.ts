// The approval card says why: a rejection or a send-back shows its reason to everyone who sees
// the card, in the reader's locale, cut to a card's size (the timeline keeps it whole).
import { describe, expect, it } from 'vitest';
import { approvalCard } from '../../cards/approval.js';
import { cardContext } from '../../src/delivery/deliver.js';
import { eventPayload, exampleDir, must, submitted } from '../support/core-fixtures.js';

const dir = exampleDir();
/** Acts as the first approver of the open step. */
function decided(action: { type: 'approve' } | { type: 'reject' | 'return'; reason: string }) {
  const s = submitted(dir);
  const step = s.steps[s.current!]!;
  const approver = step.approvers[0]!;
  return { state: must(dir, s, { ...action, stepId: step.id } as Parameters<typeof must>[2], approver).state, who: dir.person(approver)!.name };
}

describe('approval card reasons', () => {
  it('a rejected card names who rejected and why', () => {
    const { state: s, who } = decided({ type: 'reject', reason: '预算明细需要细化到供应商报价' });
    const card = approvalCard(s, cardContext(dir, 'zh-CN'));
    expect(card.status?.text).toBe('已驳回');
    expect(card.markdown).toContain(`${who}驳回：预算明细需要细化到供应商报价`);
    expect(approvalCard(s, cardContext(dir, 'en')).markdown).toContain('rejected: 预算明细需要细化到供应商报价');
  });

  it('a sent-back card names who sent it back and why; a long reason is cut', () => {
    const long = `请补充${'场地合同与报价单，'.repeat(30)}`;
    const { state: s, who } = decided({ type: 'return', reason: long });
    const md = approvalCard(s, cardContext(dir, 'zh-CN')).markdown!;
    expect(md).toContain(`${who}退回修改：请补充场地合同与报价单`);
    expect(md).toContain('…');
    expect(md.length).toBeLessThan(long.length + 200);
  });

  it('an approval shows no reason text', () => {
    const { state: s, who } = decided({ type: 'approve' });
    expect(approvalCard(s, cardContext(dir, 'zh-CN')).markdown).toMatch(new RegExp(`${who}同意(?!：)`));
  });

  it('a pre-consultation reads as acknowledged, and after a resubmission as done in the earlier round', () => {
    const irregular = eventPayload({ category: 'irregular', eventType: '车友节' });
    const acked = must(dir, submitted(dir, 'liming', irregular), { type: 'approve', stepId: 'consult' }, 'sunli').state;
    const md = approvalCard(acked, cardContext(dir, 'zh-CN')).markdown!;
    expect(md).toContain('孙丽已沟通');
    expect(md).not.toContain('孙丽同意');
    const back = must(dir, acked, { type: 'return', stepId: 'dept-lead', reason: '补充预算' }, 'liuyang').state;
    const again = must(dir, back, { type: 'resubmit', payload: irregular }, 'liming').state;
    const consult = approvalCard(again, cardContext(dir, 'zh-CN')).markdown!.split('\n')[0]!;
    expect(consult).toContain('（上一轮已完成）');
    expect(consult).not.toContain('已跳过');
  });
});

describe('approval card link', () => {
  it("查看详情 leads to the console's request page, which is served on every platform", () => {
    const s = submitted(dir);
    expect(approvalCard(s, cardContext(dir, 'zh-CN', 'https://qianpi.example.com/')).link).toBe(`https://qianpi.example.com/console#/r/${s.id}`);
    expect(approvalCard(s, cardContext(dir, 'zh-CN')).link).toBeUndefined();
  });
});
