// The outbox's hook for approval centres: every row that posts or refreshes a request's cards
// also queues one `centre.sync` per configured centre (the sync renders the request's current
// state, so several rows of one transition cost one call; see centre-sync.ts). Where the centre's
// own notice reaches approvers (a setting), our direct approval card to them on that platform is
// left out, so nobody is told twice; cards to rooms still go.
import type { Effect } from '../core/model.js';
import type { Platform } from '../org/schema.js';
import { jobId, type DeliveryJob } from '../queue/jobs.js';
import type { OutboxRow } from '../store/outbox-repo.js';

export interface CentreRelay {
  /** Platforms whose approval centre mirrors every request. */
  platforms: readonly Platform[];
  /** Platforms whose centre notifies the approvers itself: no direct approval card there. */
  centreNotifies: ReadonlySet<Platform>;
}

type Expanded = Array<{ job: DeliveryJob; id: string }>;

export function centreJobs(row: OutboxRow, kind: Effect['kind'], jobs: Expanded, c: CentreRelay): Expanded {
  const requestId = row.requestId;
  if (!requestId || (kind !== 'post_approval_card' && kind !== 'refresh_cards')) return jobs;
  const out =
    kind === 'post_approval_card' && c.centreNotifies.size
      ? jobs.filter(({ job }) => !(job.type === 'card.send' && job.target.type === 'user' && c.centreNotifies.has(job.platform)))
      : jobs;
  for (const platform of c.platforms) out.push({ job: { type: 'centre.sync', platform, requestId }, id: jobId('ob', row.id, 'centre', platform) });
  return out;
}
