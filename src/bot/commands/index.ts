// Text commands (Chinese, with English aliases; src/bot/commands/registry.ts) and the entry to
// the dialogs that fill in forms through conversation (src/bot/dialog/). Every input gets an
// answer: a command's result, the next question of an open dialog, or a short help — never silence.
//
// In a group the bot only answers when mentioned (the router drops the rest); a form started
// there continues in the person's DM ("已私信你继续填写"), and personal lists go to the DM too.
import type { ActionValue } from '../../../cards/model.js';
import type { InboundCardAction, InboundMessage } from '../../channels/inbound.js';
import type { Person } from '../../org/schema.js';
import type { DialogStep } from '../dialog/index.js';
import { commandContext } from './context.js';
import { delegateFromForm } from './delegate.js';
import { inDm } from './matchers.js';
import { matchCommand } from './registry.js';
import { compact, notUnderstood, prepend, toDm, unanswered } from './replies.js';
import type { Call, CommandDeps, Invocation, Opening, Reply } from './types.js';

export type { CommandDeps, Reply } from './types.js';

export function createCommands(deps: CommandDeps) {
  const { dialogs } = deps;
  const ctx = commandContext(deps);

  async function open(o: Opening, { e, person }: Call, lead: string[]): Promise<DialogStep> {
    if (o.kind === 'start') return dialogs.begin(e, person, o.def, { ...(o.ref ? { ref: o.ref } : {}), lead });
    return prepend(lead, await dialogs.resume(e, person, o.number));
  }

  /** In a group (mentioned): forms and personal answers go to the DM; the group is told so. */
  async function inGroup(call: Call & { e: InboundMessage }, cmd: Invocation | undefined, said: string): Promise<Reply[]> {
    const { e, person } = call;
    if (!cmd) return [notUnderstood(ctx, said)];
    if ('open' in cmd) {
      const opening = cmd.open;
      return dialogs.transact(e, person, async ({ active, expired }) => {
        if (active) return { replies: [{ text: ctx.text('commands.group.form_open') }, dialogs.busy(active, e, person)] };
        const step = await open(opening, call, expired ? [dialogs.expired(expired, false)] : []);
        if (!step.session) return { session: null, replies: step.replies.map((r) => ('dm' in r ? { ...r, dm: false } : r)) };
        const name = opening.kind === 'start' ? ctx.typeName(opening.def, opening.def.id) : opening.number;
        return { session: step.session, replies: [{ text: ctx.text('commands.group.continue_in_dm', { name }) }, ...step.replies] };
      });
    }
    const replies = await cmd.answer(call);
    if (!cmd.personal) return replies;
    return [{ text: ctx.text('commands.group.answered_in_dm') }, ...toDm(replies)];
  }

  /** In the DM: a command is answered and an open dialog goes on; anything else is the dialog's answer. */
  function inDirect(call: Call, cmd: Invocation | undefined, said: string): Promise<Reply[]> {
    const { e, person } = call;
    return dialogs.transact(e, person, async ({ active, expired }): Promise<DialogStep> => {
      if (active) {
        if (cmd && 'open' in cmd) return { replies: [dialogs.busy(active, e, person)] };
        // Other commands are answered and the dialog goes on; 帮助 is the dialog's own help.
        if (cmd && cmd.command !== 'help') return { replies: [...(await cmd.answer(call)), { text: dialogs.reminder(active, e, person), dm: true }] };
        if (e.kind === 'message' && e.attachments?.length) return dialogs.attach(active, e, person, e.attachments);
        return dialogs.answer(active, e, person, said);
      }
      const notice = expired ? [dialogs.expired(expired, !cmd)] : [];
      if (cmd && 'open' in cmd) return open(cmd.open, call, notice);
      if (cmd) return { replies: [...notice.map((text): Reply => ({ text })), ...(await cmd.answer(call))] };
      if (notice.length) return { replies: notice.map((text): Reply => ({ text })) };
      if (e.kind === 'message' && e.attachments?.length) return { replies: [{ text: ctx.text('field.attachments.not_now') }] };
      return { replies: [unanswered(ctx, said)] };
    });
  }

  return {
    async handle(e: InboundMessage, person: Person): Promise<Reply[]> {
      const said = e.text.trim();
      const cmd = matchCommand(said, ctx);
      if (!inDm(e)) return compact(await inGroup({ e, person }, cmd, said), true);
      return compact(await inDirect({ e, person }, cmd, said), false);
    },

    /** A button of a dialog's confirmation card. */
    async press(e: InboundCardAction, person: Person): Promise<Reply[]> {
      const action: ActionValue = e.action;
      const replies = await dialogs.transact(e, person, async ({ active, expired }) => {
        if (!active && expired) return { replies: [{ text: dialogs.expired(expired, true), dm: true }] };
        return dialogs.press(active, e, person, action);
      });
      return compact(replies, false);
    },

    /** A command's own card form (委托) submitted. */
    async submitDelegation(e: InboundCardAction, person: Person): Promise<Reply[]> {
      return compact(await delegateFromForm(ctx, { e, person }, e.form ?? {}), false);
    },
  };
}

export type Commands = ReturnType<typeof createCommands>;
