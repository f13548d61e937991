// What an approval centre (Feishu 三方审批, DingTalk 三方流程) should show of a request: the
// instance's status and one task per approver of every step opened so far in this round, plus
// the tasks it was given before and no longer has (a transfer, a removed signer, an earlier
// round) — pure, so both centres mirror the same reading of a snapshot.
import type { RequestState, RequestStatus, StepState } from './model.js';

export type CentreTaskStatus = 'pending' | 'approved' | 'rejected' | 'done' | 'transferred';
export type CentreInstanceStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn' | 'terminated';

export interface CentreTask {
  /** Ours, unique within the request: `<round>.<step>.<person>`. */
  key: string;
  personId: string;
  stepId: string;
  stepName: string;
  round: number;
  status: CentreTaskStatus;
  /** When the step opened (or the request was made). */
  createdAt: string;
  /** When this task was decided or closed. */
  endedAt?: string;
  dueAt?: string;
}

/** What a centre was given of a task before (stored with the centre's own id, if any). */
export interface KnownTask {
  personId: string;
  stepId: string;
  round: number;
  status: string;
  externalId?: string;
}

export interface CentreSnapshot {
  requestId: string;
  version: number;
  title: string;
  applicantId: string;
  status: CentreInstanceStatus;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
  tasks: CentreTask[];
  cc: string[];
}

const INSTANCE: Record<RequestStatus, CentreInstanceStatus> = {
  consulting: 'pending',
  pending: 'pending',
  approved: 'approved',
  summary_due: 'approved',
  summary_submitted: 'approved',
  scored: 'approved',
  reimbursing: 'approved',
  closed: 'approved',
  rejected: 'rejected',
  // Sent back: the applicant may resubmit, which opens the next round as a new set of tasks.
  returned: 'rejected',
  withdrawn: 'withdrawn',
  expired: 'terminated',
};

export const taskKey = (round: number, stepId: string, personId: string) => `${round}.${stepId}.${personId}`;

function stepTasks(s: RequestState, step: StepState): CentreTask[] {
  if (step.status === 'waiting') return [];
  const opened = step.activatedAt ?? s.createdAt;
  const closed = step.status !== 'active';
  return step.approvers.map((personId) => {
    const d = step.decisions.find((x) => x.personId === personId);
    const status: CentreTaskStatus = d ? (d.decision === 'approve' ? 'approved' : 'rejected') : closed ? 'done' : 'pending';
    return {
      key: taskKey(s.round, step.id, personId),
      personId,
      stepId: step.id,
      stepName: step.name,
      round: s.round,
      status,
      createdAt: opened,
      ...(d ? { endedAt: d.at } : closed ? { endedAt: s.updatedAt } : {}),
      ...(step.dueAt ? { dueAt: step.dueAt } : {}),
    };
  });
}

/**
 * The full snapshot for a centre. `known` are the tasks it was given before: one that is gone
 * from the request is kept, closed — `transferred` if it was still pending, else as it was.
 */
export function centreSnapshot(s: RequestState, known: Readonly<Record<string, KnownTask>>, cc: readonly string[]): CentreSnapshot {
  const status = INSTANCE[s.status];
  const tasks = s.steps.flatMap((st) => stepTasks(s, st));
  // A request no longer open closes every task still pending (withdrawn, expired).
  if (status !== 'pending') for (const t of tasks) if (t.status === 'pending') Object.assign(t, { status: 'done', endedAt: s.updatedAt });
  const present = new Set(tasks.map((t) => t.key));
  for (const [key, k] of Object.entries(known)) {
    if (present.has(key)) continue;
    const was = k.status as CentreTaskStatus;
    tasks.push({
      key,
      personId: k.personId,
      stepId: k.stepId,
      stepName: k.stepId,
      round: k.round,
      status: was === 'pending' ? 'transferred' : was,
      createdAt: s.createdAt,
      endedAt: s.updatedAt,
    });
  }
  return {
    requestId: s.id,
    version: s.version,
    title: s.title,
    applicantId: s.applicantId,
    status,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    ...(status !== 'pending' ? { endedAt: s.updatedAt } : {}),
    tasks,
    cc: [...cc],
  };
}

/** Whether a task's status changed between what the centre was told and now (DingTalk acts per task). */
export const taskChanged = (known: KnownTask | undefined, t: CentreTask) => !known || known.status !== t.status;
