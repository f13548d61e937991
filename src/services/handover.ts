// Hand-over of open approval tasks (移交), and what happens to the tasks of people who leave or
// move (issue 15). Each request is one transition of the approval service (row lock, state +
// audit + outbox in one transaction), keyed by request (and its version), round, steps, from and to, so a repeat of
// the same intent — a retried API call, a second directory event — changes nothing.
import type { Logger } from 'pino';
import { handToTarget, heldAsLead, leadUpTheTree, type HandoverReason } from '../core/handover.js';
import type { Origin } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Approvals } from './approvals.js';
import type { Delegations } from './delegations.js';
import type { HandoverStore } from '../store/handover-store.js';

export interface HandoverDeps {
  approvals: Pick<Approvals, 'handOver'>;
  store: HandoverStore;
  dir: Directory;
  log?: Logger;
  /** A leaver's delegations (given or held) are cancelled, so no task card goes to someone gone. */
  delegations?: Pick<Delegations, 'cancelInvolving'>;
  /** Outbox rows were written outside a transition (the leaver notices): kick the relay. */
  onCommitted?: () => void;
}

export interface HandoverResult {
  /** Undecided slots moved (one per step). */
  tasks: number;
  requests: number;
}

/** A leaver: their id, and their department before they left (the new directory may not list them). */
export type Leaver = string | { personId: string; dept?: string; name?: string };

export interface PeopleChanges {
  left?: Leaver[];
  moved?: Array<{ personId: string; fromDept: string; toDept: string }>;
  /**
   * The directory before the change (the snapshot the leavers are still in): their departments,
   * and the parents of departments that are gone.
   */
  previous?: { people: ReadonlyArray<{ id: string; dept: string; name?: string }>; departments: ReadonlyArray<{ id: string; parent?: string | undefined }> };
}

export interface PeopleChangedResult {
  handedOver: Array<{ personId: string; to: string; reason: HandoverReason } & HandoverResult>;
  /** People whose tasks found nobody to go to (no lead up the tree, no admin). */
  unassigned: string[];
  /** Notices sent to leads about a leaver's own unfinished requests (each once). */
  notices: number;
}

export function createHandover(deps: HandoverDeps) {
  const { approvals, store, dir } = deps;

  /** Every open task of `from` goes to `to` (per request: the core's rule, see handOver). */
  async function handOverAll(
    from: string,
    to: string,
    reason: HandoverReason,
    by: { personId: string; platform: Origin } | null,
    opts: { only?: 'held_as_lead'; fromName?: string } = {},
  ): Promise<HandoverResult> {
    const tasks = await store.openTasksOf(from);
    const byRequest = new Map<string, { version: number; round: number; steps: string[] }>();
    for (const t of tasks) {
      const r = byRequest.get(t.requestId) ?? { version: t.version, round: t.round, steps: [] };
      r.steps.push(t.stepId);
      byRequest.set(t.requestId, r);
    }
    let moved = 0;
    let requests = 0;
    for (const [requestId, { version, round, steps }] of byRequest) {
      // One intent on one state: a retry of it is a duplicate; the same hand-over after the
      // request changed (the task came back) is a new one.
      const key = `handover:${requestId}:v${version}:r${round}:${steps.join('+')}:${from}>${to}`;
      const r = await approvals.handOver(
        requestId,
        {
          from,
          to,
          reason,
          by: by?.personId ?? null,
          platform: by?.platform ?? 'system',
          ...(opts.fromName ? { fromName: opts.fromName } : {}),
          ...(opts.only === 'held_as_lead' ? { steps: (step, s) => { const wf = dir.workflowFor(s.type); return !!wf && heldAsLead(dir, wf, step, from); } } : {}),
        },
        key,
      );
      if (!r.ok || r.duplicate) continue;
      const n = r.audit.filter((a) => a.action === 'task_handed_over').length;
      moved += n;
      if (n) requests += 1;
    }
    return { tasks: moved, requests };
  }

  /**
   * People left or moved (the directory runtime calls this after a sync or a contact event).
   * A leaver's open tasks go per `organisation.leavers.handTo` (default: the lead of their
   * department, up the tree, then the role `admin`), audited as `left`; the lead is told about
   * the leaver's own unfinished requests, once each. A mover's tasks held as a department lead
   * (`dept_lead` / `parent_dept_lead` steps) go the same way from their old department — to its
   * new lead — unless they still lead it; tasks held by name (`person:`, `role:`, a transfer or an
   * added signer) stay with them.
   */
  async function onPeopleChanged(changes: PeopleChanges): Promise<PeopleChangedResult> {
    const policy = dir.org.organisation.leavers.handTo;
    const prevParent = new Map((changes.previous?.departments ?? []).map((d) => [d.id, d.parent]));
    const prevDept = new Map((changes.previous?.people ?? []).map((p) => [p.id, p.dept]));
    const prevName = new Map((changes.previous?.people ?? []).flatMap((p) => (p.name ? [[p.id, p.name] as const] : [])));
    const parentOf = (d: string) => (dir.departments.has(d) ? dir.departments.get(d)?.parent : prevParent.get(d));
    const out: PeopleChangedResult = { handedOver: [], unassigned: [], notices: 0 };

    for (const l of changes.left ?? []) {
      const personId = typeof l === 'string' ? l : l.personId;
      const dept = (typeof l === 'string' ? undefined : l.dept) ?? prevDept.get(personId) ?? dir.person(personId)?.dept;
      const name = (typeof l === 'string' ? undefined : l.name) ?? prevName.get(personId) ?? dir.personName(personId);
      // First, so the tasks handed over below are not routed to a delegation of someone gone.
      await deps.delegations?.cancelInvolving(personId);
      const to = handToTarget(dir, policy, personId, dept, parentOf);
      if (!to) {
        out.unassigned.push(personId);
        deps.log?.warn({ personId, dept }, 'leaver: nobody to hand the open tasks to (no lead up the tree, no admin)');
      } else {
        out.handedOver.push({ personId, to, reason: 'left', ...(await handOverAll(personId, to, 'left', null, { fromName: name })) });
      }
      // Their own requests: their lead is told, once per request.
      const lead = leadUpTheTree(dir, dept, personId, parentOf) ?? to;
      if (!lead) continue;
      for (const r of await store.unfinishedRequestsOf(personId)) {
        const written = await store.noticeOnce(
          r.id,
          [{ kind: 'notify', people: [lead], message: { key: 'handover.leaver_requests', params: { person: name, number: r.number, title: r.title } } }],
          [{ action: 'leaver_request_notice', actorId: null, platform: 'system', detail: { person: personId, to: lead } }],
          `leaver-requests:${personId}:${r.id}`,
        );
        if (written) out.notices += 1;
      }
    }

    for (const m of changes.moved ?? []) {
      // Still the lead of the old department: the tasks are still theirs to take.
      if (dir.deptLead(m.fromDept) === m.personId) continue;
      const to = handToTarget(dir, policy, m.personId, m.fromDept, parentOf);
      if (!to) {
        out.unassigned.push(m.personId);
        continue;
      }
      const r = await handOverAll(m.personId, to, 'moved', null, { only: 'held_as_lead' });
      if (r.tasks) out.handedOver.push({ personId: m.personId, to, reason: 'moved', ...r });
    }
    if (out.notices) deps.onCommitted?.();
    return out;
  }

  /**
   * Leavers who still hold open tasks (a hand-over cut short, a person removed from the file):
   * handed over as if they had just left. Each hand-over is keyed, so a sweep after a completed
   * one changes nothing. Runs with the housekeeping.
   */
  async function sweepLeavers(): Promise<PeopleChangedResult | undefined> {
    const left = (await store.inactiveApprovers()).filter((p) => !dir.person(p.id));
    if (!left.length) return undefined;
    deps.log?.warn({ people: left.map((p) => p.id) }, 'leavers still holding open tasks: handing them over');
    return onPeopleChanged({ left: left.map((p) => ({ personId: p.id, dept: p.dept, name: p.name })) });
  }

  return { handOverAll, onPeopleChanged, sweepLeavers };
}

export type Handover = ReturnType<typeof createHandover>;
