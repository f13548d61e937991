// 撤回 A-0001 [理由]: the applicant withdraws a request (the core checks who may and when).
import { numberCommand } from './define.js';
import { noSuchRequest } from './replies.js';

export const withdraw = numberCommand({
  name: 'withdraw',
  words: /撤回|撤销|withdraw/,
  label: 'commands.word.withdraw',
  help: 'commands.help.withdraw',
  rest: true,
  async answer(ctx, { e, person }, { number, rest: reason }) {
    const s = await ctx.deps.reads.byNumber(number);
    if (!s) return noSuchRequest(ctx, number);
    const r = await ctx.deps.approvals.act(s.id, { type: 'withdraw', ...(reason ? { reason } : {}) }, { personId: person.id, platform: e.platform }, `${e.platform}:${e.eventId}`);
    if (!r.ok) return [{ text: ctx.message(r.message) }];
    return [{ text: ctx.text('commands.withdraw.done', { number: s.number, title: s.title }) }];
  },
});
