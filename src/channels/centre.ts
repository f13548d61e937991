// What an approval centre adapter provides (Feishu 三方审批: feishu/approval-centre/, DingTalk
// 三方流程: dingtalk/process-centre/). The sync around it — the snapshot, the version check, the
// per-request lock — is src/delivery/centre-sync.ts.
import type { CentreSnapshot } from '../core/centre.js';
import type { Platform } from '../org/schema.js';
import type { CentreSync, CentreTasks } from '../store/centre-repo.js';

/** What a centre was told before (undefined: nothing yet), and a way to record progress mid-way. */
export interface PushContext {
  previous: CentreSync | undefined;
  /** Record tasks created so far (DingTalk ids), so a retry after a failure does not create them again. */
  checkpoint(state: { externalId: string | null; tasks: CentreTasks }): Promise<void>;
}

export interface CentreAdapter {
  readonly platform: Platform;
  /** Make the centre show `snap`; returns the centre's instance id and its ids of the tasks (if it assigns them). */
  push(snap: CentreSnapshot, ctx: PushContext): Promise<{ externalId?: string; taskIds?: Record<string, string> }>;
  /** Which of these snapshots the centre does not hold as they are (reconcile). */
  stale?(snaps: CentreSnapshot[]): Promise<string[]>;
}
