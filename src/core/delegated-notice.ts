// A timer's or a 催办's task notice while people are away (委托): the reminder goes where the
// task's card goes — to the delegate in force, worded "（代 刘洋）" (core routeTasks) — and the
// audit entry says who was told for whom.
import { routeTasks, type ActiveDelegations } from './delegation.js';
import { t } from './i18n/index.js';
import { msg, type MessageIntent, type RequestState } from './model.js';
import type { Notice, ScheduleSettings } from './reminders.js';

export function routedNotice(notice: Notice, s: RequestState, active: ActiveDelegations, st: Pick<ScheduleSettings, 'dir' | 'locale'>): Notice {
  if (!active.size) return notice;
  const names = (ids: string[]) => ids.map((p) => st.dir.personName(p)).join(t(st.locale, 'list.separator'));
  const effects = routeTasks(notice.effects, s.applicantId, active, names);
  const delegates: Record<string, string> = {};
  for (const e of notice.effects) {
    if (e.kind !== 'notify') continue;
    for (const p of e.people) {
      const d = active.get(p);
      if (d && d.delegate !== s.applicantId && effects.some((x) => x.kind === 'notify' && x.people.includes(d.delegate))) delegates[p] = d.delegate;
    }
  }
  if (!Object.keys(delegates).length) return { ...notice, effects };
  return { effects, audit: notice.audit.map((a) => ({ ...a, detail: { ...a.detail, delegates } })) };
}

/** The 催办 reply names who was told: "王芳（代 刘洋）" for an approver who is away. */
export function nudgeSentTo(s: RequestState, to: readonly string[], routed: Notice, st: Pick<ScheduleSettings, 'dir' | 'locale'>): MessageIntent {
  const delegates = (routed.audit[0]?.detail as { delegates?: Record<string, string> } | undefined)?.delegates ?? {};
  const name = (p: string) => st.dir.personName(p);
  const told = (p: string) => (delegates[p] ? t(st.locale, 'delegation.acting_for', { delegate: name(delegates[p]), principal: name(p) }) : name(p));
  return msg('nudge.sent', { number: s.number, who: to.map(told).join(t(st.locale, 'list.separator')) });
}
