// 移交 刘洋 给 王芳 / hand over A to B: an admin (role `admin`) hands every open task of one person
// to another (src/services/handover.ts); the reply says how many moved.
import { pattern } from './matchers.js';
import { personAtStart } from './people-arg.js';
import type { CommandModule } from './types.js';

const WORDS = /移交|转移待办|hand ?over/;
const SEPARATOR = /^(?:给|至|到|to|->|→)\s*/;

export const handover: CommandModule = {
  name: 'handover',
  match(text, ctx) {
    const m = pattern(WORDS, String.raw`(?:\s*(.*))?`).exec(text);
    if (!m) return undefined;
    return {
      command: 'handover',
      personal: false,
      async answer({ e, person }) {
        if (!ctx.dir.roleMembers('admin').includes(person.id)) return [{ text: ctx.text('handover.not_admin') }];
        if (!ctx.deps.handover) return [{ text: ctx.text('commands.unavailable') }];
        const a = personAtStart(ctx.dir, m[2] ?? '');
        const sep = a && SEPARATOR.exec(a.rest);
        const b = a && sep && personAtStart(ctx.dir, a.rest.slice(sep[0].length));
        if (!a || !b || b.rest) return [{ text: ctx.text('handover.usage') }];
        if (a.person.id === b.person.id) return [{ text: ctx.text('handover.same_person') }];
        const r = await ctx.deps.handover.handOverAll(a.person.id, b.person.id, 'admin', { personId: person.id, platform: e.platform });
        return [{ text: ctx.text('handover.done', { from: a.person.name, to: b.person.name, count: r.tasks }) }];
      },
    };
  },
  help: (ctx) => [{ usage: ctx.text('commands.word.handover'), short: ctx.text('commands.word.handover'), what: ctx.text('commands.help.handover') }],
};
