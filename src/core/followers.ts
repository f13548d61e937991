// Who takes part in a request, and who may follow it: one definition for the core's rules
// (commenting) and the bot's status command (reading a request's progress).
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
  if (dir.managedDepartments(personId).includes(s.deptId)) return true;
  const wf = dir.workflowFor(s.type);
  if (!wf) return false;
  if (wf.rooms.some((r) => dir.rooms.get(r)?.members.includes(personId))) return true;
  return dir.resolveApprovers(wf.cc, s.applicantId).includes(personId);
}
