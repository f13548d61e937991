// 进度 A-0001: status, who is waiting and until when, the applicant, the latest steps — for
// anyone involved in the request (src/core/followers.ts).
import { involved } from '../../core/followers.js';
import { awaiting, openStep } from '../../core/lifecycle.js';
import { tAny } from '../../core/messages.js';
import { numberCommand } from './define.js';
import { noSuchRequest } from './replies.js';
import { describeEntry } from './timeline.js';

/** Timeline lines shown. */
const LATEST = 5;

export const status = numberCommand({
  name: 'status',
  words: /进度|查询|状态|查看|status|progress/,
  label: 'commands.word.status',
  help: 'commands.help.status',
  personal: true,
  async answer(ctx, { person }, { number }) {
    const { dir, deps } = ctx;
    const s = await deps.reads.byNumber(number);
    if (!s) return noSuchRequest(ctx, number);
    if (!involved(s, person.id, dir)) return [{ text: ctx.message({ key: 'refuse.not_involved', params: {} }) }];
    const step = openStep(s);
    const state = tAny(ctx.locale, `status.${s.status}`);
    const lines = [
      ctx.text('commands.status.title', { number: s.number, title: s.title, type: ctx.typeName(dir.requestType(s.type), s.type) }),
      ctx.text('commands.status.state', { status: step?.name ? `${state} · ${step.name}` : state }),
    ];
    if (step) {
      const people = ctx.list(awaiting(s).map((p) => dir.personName(p))) || '—';
      const due = step.dueAt ? ctx.text('commands.status.due', { due: ctx.at(step.dueAt), overdue: ctx.overdue(step.dueAt) }) : '';
      lines.push(ctx.text('commands.status.waiting', { people, due }));
    }
    const dept = dir.departments.get(s.deptId)?.name ?? s.deptId;
    lines.push(ctx.text('commands.status.applicant', { name: dir.personName(s.applicantId), dept, at: ctx.at(s.createdAt) }));
    const entries = (await deps.reads.timeline(s.id))
      .map((e) => ({ at: e.at, text: describeEntry(ctx, e) }))
      .filter((e): e is { at: Date; text: string } => !!e.text)
      .slice(-LATEST);
    if (entries.length) lines.push(ctx.text('commands.status.latest'), ...entries.map((e) => `· ${ctx.at(e.at).slice(5)} ${e.text}`));
    if (s.status === 'returned' && s.applicantId === person.id) lines.push(ctx.text('commands.status.resubmit_hint', { number: s.number }));
    return [{ text: lines.join('\n') }];
  },
});
