// 催办 by the applicant: lock the request, check the applicant and the last nudge against
// `nudgeInterval` (core `nudge`), and write the reminder like a timer does.
import { activeAt } from '../core/delegation.js';
import type { MessageIntent, Origin } from '../core/model.js';
import { nudge as nudgeRule, type ScheduleSettings } from '../core/reminders.js';
import type { SchedulerStore } from '../store/scheduler-store.js';
import { nudgeSentTo, routedNotice } from '../core/delegated-notice.js';

export interface NudgeDeps {
  store: Pick<SchedulerStore, 'transaction'>;
  settings: ScheduleSettings;
  clock: () => Date;
  /** Outbox rows were written (kick the relay). */
  onOutbox?: () => void;
}

export function createNudge(deps: NudgeDeps) {
  /** The 催办 command: `ref` is the request id or its number (A-0001). Returns what to tell the applicant. */
  return async function nudge(ref: string, personId: string, platform: Origin | null = null): Promise<{ ok: boolean; message: MessageIntent }> {
    const now = deps.clock();
    const result = await deps.store.transaction(async (q) => {
      const s = await q.lockRequestByRef(ref);
      if (!s) return { ok: false, message: { key: 'refuse.unknown_request' as const, params: {} } };
      const r = nudgeRule(s, { personId, platform }, await q.lastNudgedAt(s.id), now, deps.settings);
      if (!r.ok) return r;
      // The approvers who are away: their delegates are reminded (（代 刘洋）).
      const notice = routedNotice(r.notice, s, activeAt(await q.delegationsInForce(now), now), deps.settings);
      await q.writeNotices([{ s, notice, key: `nudge-${s.id}-${now.getTime()}` }], now);
      return { ok: true, message: nudgeSentTo(s, r.to, notice, deps.settings) };
    });
    if (result.ok) deps.onOutbox?.();
    return result;
  };
}
