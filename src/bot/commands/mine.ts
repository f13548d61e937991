// 我的申请: the person's latest requests and their status.
import { tAny } from '../../core/messages.js';
import { wordCommand } from './define.js';

const LISTED = 10;

export const mine = wordCommand({
  name: 'mine',
  words: /我的申请|我提交的|我的|mine|my requests/,
  label: 'commands.word.mine',
  help: 'commands.help.mine',
  personal: true,
  async answer(ctx, { person }) {
    const rows = await ctx.deps.reads.requestsOf(person.id, LISTED);
    if (!rows.length) return [{ text: ctx.text('commands.mine.none') }];
    const lines = rows.map((r) =>
      ctx.text('commands.mine.item', { number: r.number, type: ctx.typeName(ctx.dir.requestType(r.type), r.type), title: r.title, status: tAny(ctx.locale, `status.${r.status}`) }),
    );
    return [{ text: [ctx.text('commands.mine.head'), ...lines, ctx.text('commands.mine.tail')].join('\n') }];
  },
});
