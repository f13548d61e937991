// 待办: the requests waiting for the person, and their approval cards in the DM. A card already
// in this DM (approvers get one when a step opens) is tracked and kept current in place — one
// copy per chat — so only the missing ones are sent, and the list says where the others are.
// With delegation (委托) the list holds the principals' tasks too, marked "（代 刘洋）", and the
// person's own tasks handed to a delegate are marked "（已委托王芳代为审批）" (no card: they
// cannot act on them while it runs).
import { wordCommand } from './define.js';
import type { Reply } from './types.js';

/** Requests listed, and approval cards sent at most, per answer. */
const LISTED = 10;
const SENT = 5;

export const pending = wordCommand({
  name: 'pending',
  words: /待办|我的待办|待审批|待我审批|pending|todo/,
  label: 'commands.word.pending',
  help: 'commands.help.pending',
  personal: true,
  async answer(ctx, { e, person }) {
    const { dir, deps } = ctx;
    const rows = await deps.reads.pendingFor(person.id);
    if (!rows.length) return [{ text: ctx.text('commands.pending.none') }];
    const target = dir.platformIdOf(person.id, e.platform) ?? e.senderId;
    const shown = rows.slice(0, LISTED);
    const carded = await deps.reads.withCard(shown.map((r) => r.id), { cardKind: 'approval', platform: e.platform, targetType: 'user', targetId: target });
    const inDm = shown.map((r) => carded.has(r.id));
    const lines = shown.map((r, i) => {
      const due = r.dueAt ? ctx.text('commands.pending.due', { due: ctx.at(r.dueAt), overdue: ctx.overdue(r.dueAt) }) : '';
      const mark = r.onBehalfOf
        ? ctx.text('delegation.pending.for', { principal: dir.personName(r.onBehalfOf) })
        : r.delegatedTo
          ? ctx.text('delegation.pending.delegated', { delegate: dir.personName(r.delegatedTo) })
          : '';
      return ctx.text('commands.pending.item', { i: i + 1, number: r.number, type: ctx.typeName(dir.requestType(r.type), r.type), title: r.title, step: `${r.stepName}${mark}`, due });
    });
    const send = shown.filter((r, i) => !inDm[i] && !r.delegatedTo).slice(0, SENT);
    const already = inDm.filter(Boolean).length;
    const parts: string[] = [];
    if (send.length) parts.push(ctx.text('commands.pending.cards_follow', { n: send.length }));
    if (already) parts.push(ctx.text('commands.pending.cards_here', { n: already }));
    const rest = rows.length - send.length - already;
    if (rest > 0) parts.push(ctx.text('commands.pending.rest', { n: rest }));
    const tail = ctx.text('commands.pending.tail', { parts: parts.join(ctx.text('commands.pending.sep')) });
    return [{ text: [ctx.text('commands.pending.head', { n: rows.length }), ...lines, tail].join('\n') }, ...send.map((r): Reply => ({ approvalCard: r.id }))];
  },
});
