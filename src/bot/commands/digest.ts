// 日报: a manager's daily digest, on demand.
import { wordCommand } from './define.js';

export const digest = wordCommand({
  name: 'digest',
  words: /日报|每日摘要|今日摘要|摘要|digest/,
  label: 'commands.word.digest',
  help: 'commands.help.digest',
  personal: true,
  async answer(ctx, { person }) {
    if (!ctx.dir.managers().includes(person.id)) return [{ text: ctx.text('commands.digest.not_manager') }];
    if (!ctx.deps.digestFor) return [{ text: ctx.text('commands.digest.off') }];
    const text = await ctx.deps.digestFor(person.id);
    return [{ text: text ?? ctx.text('commands.digest.nothing') }];
  },
});
