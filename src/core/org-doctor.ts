// The org doctor: where the organisation cannot route an approval. For every workflow step
// (pre-consultation and over-budget included) and every department, whether an applicant there
// would find anyone to ask, and what the step's empty-approver policy would then do; plus roles
// without members, `person:` references to people not in the directory, departments without a
// lead. Pure: the admin API, the start-up log line and the admins' digest all read it.
import type { Directory } from '../org/directory.js';
import type { WhenEmptyPolicy, Workflow } from '../org/schema.js';
import type { HealthNote } from './digest.js';
import { orgText } from './org-text.js';
import { whenEmptyOf, type EmptyStep } from './workflow.js';

export interface EmptyStepFinding {
  requestType: string;
  workflow: string;
  stepId: string;
  stepName: string;
  dept: string;
  deptName: string;
  refs: string[];
  policy: WhenEmptyPolicy;
  outcome: EmptyStep['outcome'];
  /** The fallback approvers, when the policy assigns and finds someone. */
  assignedTo?: string[];
}

export interface OrgReport {
  emptySteps: EmptyStepFinding[];
  /** Roles named by a workflow (approvers, cc, escalation, fallbacks) with no member in the directory. */
  emptyRoles: string[];
  /** `person:` references and role members that are not in the directory, with where they are named. */
  unknownPeople: Array<{ person: string; where: string }>;
  deptsWithoutLead: string[];
  /** Number of findings over all lists. */
  total: number;
}

// An applicant who leads nothing: the doctor asks for an ordinary member of each department
// (a lead's own request goes one level up, and a head of the organisation's is a self-approval).
const MEMBER = '\u0000member';

interface PlannedStep {
  id: string;
  name: string;
  refs: readonly string[];
}

function stepsOf(dir: Directory, wf: Workflow): PlannedStep[] {
  return [
    ...(wf.preConsult ? [{ id: 'consult', name: orgText(dir, 'step.consult'), refs: wf.preConsult.approvers }] : []),
    ...wf.steps.map((s) => ({ id: s.id, name: s.name, refs: s.approvers })),
    ...(wf.overBudget ? [{ id: 'over-budget', name: orgText(dir, 'step.over_budget'), refs: wf.overBudget.approvers }] : []),
  ];
}

/** Every finding; a step's conditions (`when`) are not evaluated: a step that may apply is checked. */
export function orgDoctor(dir: Directory): OrgReport {
  const org = dir.org;
  const known = (ids: string[]) => ids.filter((p) => dir.person(p));
  const emptySteps: EmptyStepFinding[] = [];
  const roles = new Set<string>();
  const unknownPeople: OrgReport['unknownPeople'] = [];
  const noteRefs = (refs: readonly string[], where: string) => {
    for (const ref of refs) {
      if (ref.startsWith('role:')) roles.add(ref.slice(5));
      else if (ref.startsWith('person:') && !dir.person(ref.slice(7))) unknownPeople.push({ person: ref.slice(7), where });
    }
  };
  const assignRefs = (p: WhenEmptyPolicy | undefined) => (p && typeof p === 'object' ? p.assign : []);
  noteRefs(assignRefs(org.organisation.whenEmpty), 'organisation.whenEmpty');
  for (const wf of org.workflows) {
    const name = wf.name ?? dir.requestType(wf.requestType)?.name ?? wf.requestType;
    noteRefs(wf.cc, `${wf.requestType}.cc`);
    noteRefs(wf.escalation?.to ?? [], `${wf.requestType}.escalation`);
    noteRefs(assignRefs(wf.whenEmpty), `${wf.requestType}.whenEmpty`);
    for (const step of stepsOf(dir, wf)) {
      const policy = whenEmptyOf(org, wf, step.id);
      noteRefs(step.refs, `${wf.requestType}.${step.id}`);
      const before = emptySteps.length;
      for (const d of org.departments) {
        if (known(dir.resolveIn(step.refs, MEMBER, d.id)).length) continue;
        const fallback = typeof policy === 'object' ? known(dir.resolveIn(policy.assign, MEMBER, d.id)) : [];
        const outcome: EmptyStep['outcome'] = typeof policy === 'object' ? (fallback.length ? 'assigned' : 'refuse') : policy;
        emptySteps.push({
          requestType: wf.requestType,
          workflow: name,
          stepId: step.id,
          stepName: step.name,
          dept: d.id,
          deptName: d.name,
          refs: [...step.refs],
          policy,
          outcome,
          ...(fallback.length ? { assignedTo: fallback } : {}),
        });
      }
      // A fallback (the default's role admin too) matters where the step is empty somewhere.
      if (emptySteps.length > before) noteRefs(assignRefs(policy), `${wf.requestType}.${step.id}.whenEmpty`);
    }
  }
  // The default fallback names role admin whether or not the file does; an absent role is only news when used.
  const emptyRoles = [...roles].filter((r) => !known(dir.roleMembers(r)).length).sort();
  for (const [role, members] of Object.entries(org.roles)) {
    for (const m of members) if (!dir.person(m)) unknownPeople.push({ person: m, where: `roles.${role}` });
  }
  const deptsWithoutLead = org.departments.filter((d) => !d.lead || !dir.person(d.lead)).map((d) => d.id);
  return { emptySteps, emptyRoles, unknownPeople, deptsWithoutLead, total: emptySteps.length + emptyRoles.length + unknownPeople.length + deptsWithoutLead.length };
}

/** At most this many examples in a note or the start-up line. */
const EXAMPLES = 3;

/** The report as notes for the admins' daily digest (one per kind of finding). */
export function doctorNotes(r: OrgReport, dir: Directory): HealthNote[] {
  const notes: HealthNote[] = [];
  const sep = orgText(dir, 'list.separator');
  const more = (all: string[]) => all.slice(0, EXAMPLES).join(sep) + (all.length > EXAMPLES ? ' …' : '');
  if (r.emptySteps.length) {
    const examples = r.emptySteps.map((f) =>
      orgText(dir, 'health.empty_step_item', {
        workflow: f.workflow,
        step: f.stepName,
        dept: f.deptName,
        outcome: f.outcome === 'assigned' ? orgText(dir, 'health.outcome.assigned', { to: (f.assignedTo ?? []).map((p) => dir.personName(p)).join(sep) }) : orgText(dir, `health.outcome.${f.outcome}`),
      }),
    );
    notes.push({ key: 'health.empty_steps', params: { n: r.emptySteps.length, examples: more(examples) } });
  }
  if (r.emptyRoles.length) notes.push({ key: 'health.roles_empty', params: { roles: r.emptyRoles.join(sep) } });
  if (r.unknownPeople.length) notes.push({ key: 'health.unknown_people', params: { refs: more(r.unknownPeople.map((u) => `${u.person} (${u.where})`)) } });
  if (r.deptsWithoutLead.length) {
    notes.push({ key: 'health.depts_without_lead', params: { n: r.deptsWithoutLead.length, depts: more(r.deptsWithoutLead.map((d) => dir.departments.get(d)?.name ?? d)) } });
  }
  return notes;
}

/** The start-up warning: counts and the first few findings, in one log record. */
export function doctorSummary(r: OrgReport): Record<string, unknown> {
  return {
    emptySteps: r.emptySteps.length,
    emptyRoles: r.emptyRoles,
    unknownPeople: r.unknownPeople.length,
    deptsWithoutLead: r.deptsWithoutLead.length,
    first: r.emptySteps.slice(0, EXAMPLES).map((f) => `${f.requestType}.${f.stepId}@${f.dept}: ${f.outcome}`),
  };
}
