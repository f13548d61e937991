// 催办 A-0001: remind the approvers still waiting. The scheduler looks the request up by number,
// under its lock; who may nudge and how often is the core's rule.
import { numberCommand } from './define.js';
import { noSuchRequest } from './replies.js';

export const nudge = numberCommand({
  name: 'nudge',
  words: /催办|催一下|催|nudge|remind/,
  label: 'commands.word.nudge',
  help: 'commands.help.nudge',
  async answer(ctx, { e, person }, { number }) {
    if (!ctx.deps.nudge) return [{ text: ctx.text('commands.nudge.off') }];
    const r = await ctx.deps.nudge(number, person.id, e.platform);
    if (!r.ok && r.message.key === 'refuse.unknown_request') return noSuchRequest(ctx, number);
    return [{ text: ctx.message(r.message) }];
  },
});
