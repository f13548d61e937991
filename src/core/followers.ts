// Who takes part in a request, and who may follow it: one definition for the core's rules
// (commenting), the bot's status command (reading a request's progress) and the console (what
// each signed-in person may list and open; the store's list query filters by `readScope`).
import type { Directory } from '../org/directory.js';
import type { RequestState } from './model.js';

/** The applicant, an approver of any step, or someone who decided one: may comment. */
export function participates(s: RequestState, personId: string): boolean {
  return s.applicantId === personId || s.steps.some((st) => st.approvers.includes(personId) || st.decisions.some((d) => d.personId === personId));
}

/**
 * A participant, a manager of the request's department, a member of one of its workflow's
 * rooms (they see its cards there) or a person it is copied to: may read its progress.
 */
export function involved(s: RequestState, personId: string, dir: Directory): boolean {
  if (participates(s, personId)) return true;
  if (seesAll(personId, dir)) return true;
  if (dir.managedDepartments(personId).includes(s.deptId)) return true;
  const wf = dir.workflowFor(s.type);
  if (!wf) return false;
  if (wf.rooms.some((r) => dir.rooms.get(r)?.members.includes(personId))) return true;
  return dir.resolveApprovers(wf.cc, s.applicantId).includes(personId);
}

/** Roles whose members read every request (finance pays them out, admins run the system). */
export const READ_ALL_ROLES = ['admin', 'finance'] as const;

export const seesAll = (personId: string, dir: Directory): boolean => READ_ALL_ROLES.some((r) => dir.roleMembers(r).includes(personId));

/**
 * `involved` as a filter a query can apply to many requests: every request (`all`), or those
 * where the person takes part, of the departments they manage (with every department below),
 * or of the types whose rooms they sit in or whose copies go to them whoever applies. A copy
 * that depends on the applicant (`dept_lead`) is covered by the departments the person manages.
 */
export interface ReadScope {
  all: boolean;
  personId: string;
  departments: string[];
  types: string[];
}

export function readScope(personId: string, dir: Directory): ReadScope {
  const all = seesAll(personId, dir);
  const types = dir.org.workflows
    .filter((wf) => wf.rooms.some((r) => dir.rooms.get(r)?.members.includes(personId)) || dir.resolveIn(wf.cc.filter((c) => c.startsWith('role:') || c.startsWith('person:')), '', undefined).includes(personId))
    .map((wf) => wf.requestType);
  return { all, personId, departments: all ? [] : dir.managedDepartments(personId), types };
}
