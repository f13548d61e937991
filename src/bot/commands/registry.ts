// Every text command, in the order 帮助 lists them. A text is offered to each in turn; their words
// do not overlap, except 申请 <类型> (apply), which begins some start words and so comes last.
import { apply } from './apply.js';
import { wordCommand } from './define.js';
import { delegate } from './delegate.js';
import { digest } from './digest.js';
import { handover } from './handover.js';
import { fold } from './matchers.js';
import { mine } from './mine.js';
import { nudge } from './nudge.js';
import { pending } from './pending.js';
import { resubmit } from './resubmit.js';
import { start } from './start.js';
import { status } from './status.js';
import type { CommandContext, CommandModule, Invocation } from './types.js';
import { withdraw } from './withdraw.js';

/** 帮助: the registry's help, generated from each command's entries. */
const help = wordCommand({
  name: 'help',
  words: /帮助|help|菜单|menu|功能|\?|？|你好|您好|hi|hello/,
  label: 'commands.word.help',
  answer: (ctx) => [{ text: ctx.helpText() }],
});

export const COMMANDS: readonly CommandModule[] = [start, pending, mine, status, withdraw, resubmit, nudge, digest, delegate, handover, help, apply];

/** The command a typed text is, if any. */
export function matchCommand(said: string, ctx: CommandContext): Invocation | undefined {
  const text = fold(said);
  if (!text) return undefined;
  for (const c of COMMANDS) {
    const hit = c.match(text, ctx);
    if (hit) return hit;
  }
  return undefined;
}

/** 帮助: a line per command that has one, between the greeting and the dialog's words. */
export function helpText(ctx: CommandContext): string {
  const lines = COMMANDS.flatMap((c) => c.help(ctx)).flatMap((h) => (h.what ? [ctx.text('commands.help.line', { usage: h.usage, what: h.what })] : []));
  return [ctx.text('commands.help.head'), ...lines, ctx.text('commands.help.tail')].join('\n');
}

/** The one line under a text not understood: every command's word. */
export const shortHelp = (ctx: CommandContext): string =>
  ctx.text('commands.short_help', { commands: ctx.list(COMMANDS.flatMap((c) => c.help(ctx)).map((h) => h.short)) });
