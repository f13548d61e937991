// The words that start a dialog for a request type (Chinese first, English aliases), shared by
// the command parser and the messages that tell people what to type.
import type { Locale } from '../../core/messages.js';
import type { RequestTypeDef } from '../../core/request-types.js';

export const START_WORDS: Readonly<Record<string, readonly string[]>> = {
  event: ['申请活动', '活动申请', '发起活动', '新建活动', 'apply', 'new event'],
  summary: ['提交总结', '活动总结', '写总结', 'summary'],
  scoring: ['评分', '考核评分', '活动评分', '提交评分', 'score', 'scoring'],
  reimbursement: ['报销', '费用报销', '申请报销', '提交报销', 'reimburse', 'reimbursement'],
  content_review: ['内容审核', '提交审核', '送审', 'content review', 'review'],
};

/** What to type to start this type's dialog: its first word, or 申请 <name> for types of the org file. */
export function startCommand(def: RequestTypeDef, locale: Locale): string {
  const words = START_WORDS[def.id];
  if (words) return (locale === 'en' ? words.find((w) => /^[a-z]/i.test(w)) : words[0]) ?? words[0]!;
  return locale === 'en' ? `apply ${def.id}` : `申请 ${def.name}`;
}
