// One batch of due notices (reminders, pre-event notices, summary reminders — points that only
// say something) fired in one transaction: lock their requests (in id order, as every transition
// locks its request before its timers), claim the timers with one conditional UPDATE, write what
// each says (audit + outbox) and schedule each chain's next point. A burst of thousands due at
// once costs tens of commits instead of thousands.
import { activeAt } from '../core/delegation.js';
import type { RequestState } from '../core/model.js';
import { chainsFor, noticeFor, type Chain, type ScheduleSettings } from '../core/reminders.js';
import type { NoticeWrite } from '../store/notices-repo.js';
import type { SchedulerStore } from '../store/scheduler-store.js';
import { nextPointRow, type PointRow, type TimerPayload, type TimerRow } from '../store/timers-repo.js';
import { routedNotice } from '../core/delegated-notice.js';
import type { TimerChanges } from './mirror.js';

export interface FiredNotices {
  /** The timers this batch claimed (the others were fired or cancelled meanwhile). */
  claimed: Set<string>;
  /** Whether any outbox row was written. */
  wrote: boolean;
  sync: TimerChanges;
}

export async function fireNotices(
  store: Pick<SchedulerStore, 'transaction'>,
  settings: ScheduleSettings,
  notices: TimerRow[],
  now: Date,
): Promise<FiredNotices> {
  return store.transaction(async (q) => {
    const states = await q.lockRequests(notices.map((r) => r.requestId).filter((x): x is string => !!x));
    const [claimedRows, inForce] = await Promise.all([q.claimAll(notices.map((r) => r.id), now), q.delegationsInForce(now)]);
    const claimed = new Set(claimedRows.map((r) => r.id));
    // Reminders for people who are away go to their delegates, like the tasks' cards.
    const active = activeAt(inForce, now);
    const chains = new Map<RequestState, Chain[]>();
    const chainsOf = (s: RequestState) => chains.get(s) ?? chains.set(s, chainsFor(s, settings, now)).get(s)!;
    const writes: NoticeWrite[] = [];
    const next: PointRow[] = [];
    const stale = new Map<string, RequestState>();
    for (const row of notices) {
      if (!claimed.has(row.id)) continue;
      const s = row.requestId ? states.get(row.requestId) : undefined;
      if (!s) continue;
      const payload = row.payload as unknown as TimerPayload;
      const chain = chainsOf(s).find((c) => c.key === payload.chain);
      const point = chain?.points[payload.n];
      // The request moved on without this chain (changed by a writer without the hook): bring
      // all its timers in line with its state below.
      if (!chain || !point) {
        stale.set(s.id, s);
        continue;
      }
      const notice = noticeFor(s, chain, point, now, settings);
      if (notice) writes.push({ s, notice: routedNotice(notice, s, active, settings), key: row.id });
      // A notice changes no state: the request's other chains stand, this one moves on.
      const p = nextPointRow(s, chain, payload.n, now);
      if (p) next.push(p);
    }
    // Pipelined on the transaction's connection: one round trip for all the writes.
    const [, mirror] = await Promise.all([q.writeNotices(writes, now), q.insertPoints(next)]);
    const sync = await q.syncChains([...stale.values()], settings, now, chainsOf);
    return { claimed, wrote: writes.length > 0, sync: { mirror: [...mirror, ...sync.mirror], cancelled: sync.cancelled } };
  });
}
