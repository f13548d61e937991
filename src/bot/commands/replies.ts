// Replies shared by the commands, and how a handler's replies are shaped before they go out.
import { clip } from '../dialog/fields.js';
import type { DialogStep } from '../dialog/index.js';
import { fold, pattern } from './matchers.js';
import type { CommandContext, Reply } from './types.js';

export const noSuchRequest = (ctx: CommandContext, number: string): Reply[] => [{ text: ctx.text('commands.no_such_request', { number }) }];

/** A text that is no command: what was not understood, and the short help. */
export const notUnderstood = (ctx: CommandContext, said: string): Reply => ({
  text: `${ctx.text('commands.not_understood', { said: clip(said, 20) })}${ctx.shortHelp()}`,
});

/** Dialog words typed when no dialog is open. */
const DIALOG_WORDS = pattern(/取消|确认|确定|提交|返回|跳过|保留|修改|cancel|confirm|submit|back|skip|keep/);

/** In a DM with no dialog open: a dialog word says no form is open; anything else gets the short help. */
export const unanswered = (ctx: CommandContext, said: string): Reply =>
  DIALOG_WORDS.test(fold(said)) ? { text: ctx.text('commands.no_form_open') } : notUnderstood(ctx, said);

/** Texts sent to the person's DM even when the message came from a group. */
export const toDm = (replies: Reply[]): Reply[] => replies.map((r) => ('text' in r || 'key' in r ? { ...r, dm: true } : r));

/** Lines said before a dialog's first question (an expiry notice). */
export const prepend = (lead: string[], step: DialogStep): DialogStep => (lead.length ? { ...step, replies: [{ text: lead.join('\n'), dm: true }, ...step.replies] } : step);

/**
 * Adjacent texts for the same place become one message, and a text just before a card rides
 * with it: delivery jobs run concurrently, and one job keeps its parts in order.
 */
export function compact(replies: Reply[], group: boolean): Reply[] {
  const place = (r: Reply) => (!group || ('dm' in r && r.dm) ? 'dm' : 'chat');
  const out: Reply[] = [];
  for (const r of replies) {
    const prev = out.at(-1);
    if (prev && 'text' in prev) {
      if ('text' in r && place(r) === place(prev)) {
        out[out.length - 1] = { ...prev, text: `${prev.text}\n\n${r.text}` };
        continue;
      }
      if ('card' in r && !r.lead && place(prev) === 'dm') {
        out[out.length - 1] = { ...r, lead: prev.text };
        continue;
      }
    }
    out.push(r);
  }
  return out;
}
