// A request's audit log as the lines of 进度's "latest": every action of the core's state machine
// (src/core/lifecycle.ts, and 催办) in the reader's locale — catalog keys commands.timeline.<action>,
// and the event lifecycle's own lifecycle.<trigger>. Entries of the machinery (reminders sent,
// deliveries, inbound failures) have no line.
import { isMessageKey, tAny } from '../../core/messages.js';
import type { TimelineEntry } from '../../store/requests-repo.js';
import { clip } from '../dialog/fields.js';
import type { CommandContext } from './types.js';

const str = (v: unknown) => (typeof v === 'string' ? v : '');
/** A person id (a transfer) or a list of them (an escalation's transfer), by name. */
/** What describing an entry needs of a command context (the printable archive builds one too). */
export type EntryContext = Pick<CommandContext, 'dir' | 'locale' | 'text' | 'list'>;

const people = (ctx: EntryContext, v: unknown) =>
  typeof v === 'string' ? ctx.dir.personName(v) : Array.isArray(v) ? ctx.list(v.map((p) => ctx.dir.personName(str(p)))) : '';

export function describeEntry(ctx: EntryContext, e: TimelineEntry): string | undefined {
  if (e.action.startsWith('lifecycle.')) return tAny(ctx.locale, e.action);
  // An empty step's or a repeated approver's auto-approval says which (审批人为空 / 已在前序步骤同意).
  const key = e.action === 'step_auto_approved' ? `commands.timeline.step_auto_approved.${str(e.detail.reason) === 'same_approver' ? 'same' : 'empty'}` : `commands.timeline.${e.action}`;
  if (!isMessageKey(key)) return undefined;
  const d = e.detail;
  const actor = e.actorId ? ctx.dir.personName(e.actorId) : ctx.text('commands.timeline.system');
  // A delegate acting for an approver (src/core/delegation.ts): 王芳（代 刘洋）.
  const who = e.actorId && typeof d.onBehalfOf === 'string' ? ctx.text('delegation.acting_for', { delegate: actor, principal: ctx.dir.personName(d.onBehalfOf) }) : actor;
  return tAny(ctx.locale, key, {
    who,
    from: people(ctx, d.from),
    reason: isMessageKey(`handover.reason.${str(d.reason)}`) ? tAny(ctx.locale, `handover.reason.${str(d.reason)}`) : str(d.reason),
    name: str(d.name),
    text: clip(str(d.text), 40),
    to: people(ctx, d.to),
    approvers: people(ctx, d.approvers),
  });
}
