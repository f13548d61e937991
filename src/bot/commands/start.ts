// 申请活动, 提交总结 A-0001 …: the start words of the built-in request types (src/bot/dialog/words.ts)
// open the type's dialog, with the number of the request it refers to when one follows.
import { refField } from '../../core/fields/index.js';
import { START_WORDS, startCommand } from '../dialog/words.js';
import { alternatives, NUMBER, pattern } from './matchers.js';
import type { CommandContext, CommandModule, HelpEntry, Invocation } from './types.js';

/** One pattern per type (its words, then optionally a number), compiled once. */
const PATTERNS = Object.entries(START_WORDS).map(([id, words]) => ({ id, re: pattern(alternatives(words), String.raw`(?:\s*(${NUMBER}))?`) }));

/** A type that cannot be filed (no workflow in the organisation file) is refused by name. */
const noWorkflow = (ctx: CommandContext, name: string): Invocation => ({
  command: 'no_workflow',
  personal: false,
  answer: async () => [{ text: ctx.message({ key: 'refuse.no_workflow', params: { type: name } }) }],
});

export const start: CommandModule = {
  name: 'start',
  match(text, ctx) {
    for (const { id, re } of PATTERNS) {
      const m = re.exec(text);
      if (!m) continue;
      const def = ctx.dir.requestType(id);
      if (!def || !ctx.dir.workflowFor(id)) return noWorkflow(ctx, ctx.typeName(def, id));
      return { command: 'start', open: { kind: 'start', def, ...(m[2] ? { ref: m[2] } : {}) } };
    }
    return undefined;
  },
  /** One line per type the organisation can file; [编号] where the form refers to a request. */
  help: (ctx) =>
    ctx.dir.submittableTypes().map((d): HelpEntry => {
      const word = startCommand(d, ctx.locale);
      const ref = refField(d) ? ` ${ctx.text('commands.arg.optional_number')}` : '';
      return { usage: `${word}${ref}`, short: word, what: ctx.text('commands.help.start', { type: ctx.typeName(d, d.id) }) };
    }),
};
