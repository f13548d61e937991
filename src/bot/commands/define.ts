// Builders for the commands that are words (帮助, 待办) or words and a request number (进度 A-0001):
// a module declares its words, its help line and its handler; matching and help come from here.
import type { MessageKey } from '../../core/messages.js';
import { argIsNumber, exactly, type NumberArg, type Words } from './matchers.js';
import type { Call, CommandContext, CommandModule, HelpEntry, Opening, Reply } from './types.js';

interface Base {
  name: string;
  words: Words;
  /** The word 帮助 shows for it, in the reader's locale. */
  label: MessageKey;
  /** Its line in 帮助 (none: listed in the short help only). */
  help?: MessageKey;
  /** Asked in a group, it is answered in the person's DM (personal lists). */
  personal?: boolean;
}

const what = (ctx: CommandContext, key: MessageKey | undefined) => (key ? { what: ctx.text(key) } : {});

/** A command that is one of its words and nothing more. */
export function wordCommand(spec: Base & { answer(ctx: CommandContext, call: Call): Promise<Reply[]> | Reply[] }): CommandModule {
  const is = exactly(spec.words);
  return {
    name: spec.name,
    match: (text, ctx) => (is(text) ? { command: spec.name, personal: !!spec.personal, answer: async (call) => spec.answer(ctx, call) } : undefined),
    help: (ctx): HelpEntry[] => {
      const word = ctx.text(spec.label);
      return [{ usage: word, short: word, ...what(ctx, spec.help) }];
    },
  };
}

type Numbered = Required<Pick<NumberArg, 'number'>> & Omit<NumberArg, 'number'>;

/**
 * A command about one request: its word and the request's number. Typed without the number it
 * asks for it (only for the words `askNumber` matches, when given: the others alone mean something else).
 */
export function numberCommand(
  spec: Base & { rest?: boolean; askNumber?: RegExp } & (
      | { answer(ctx: CommandContext, call: Call, arg: Numbered): Promise<Reply[]> }
      | { open(arg: Numbered): Opening }
    ),
): CommandModule {
  const read = argIsNumber(spec.words, { rest: !!spec.rest });
  const example = (ctx: CommandContext) => `${ctx.text(spec.label)} A-0001`;
  return {
    name: spec.name,
    match(text, ctx) {
      const arg = read(text);
      if (!arg) return undefined;
      const { number } = arg;
      if (!number) {
        if (arg.rest || (spec.askNumber && !spec.askNumber.test(arg.word))) return undefined;
        return { command: 'need_number', personal: false, answer: async () => [{ text: ctx.text('commands.need_number', { example: example(ctx) }) }] };
      }
      if ('open' in spec) return { command: spec.name, open: spec.open({ ...arg, number }) };
      return { command: spec.name, personal: !!spec.personal, answer: (call) => spec.answer(ctx, call, { ...arg, number }) };
    },
    help: (ctx): HelpEntry[] => [{ usage: example(ctx), short: `${ctx.text(spec.label)} ${ctx.text('commands.arg.number')}`, ...what(ctx, spec.help) }],
  };
}
