// Who is missing when a step's approvers resolve to nobody (审批人为空), named for the applicant:
// the department without a lead, the role without members, the person no longer in the
// directory. The refusal of a submission says it, so the applicant knows whom to ask for.
import type { Directory } from '../org/directory.js';
import { orgText } from './org-text.js';

export function missingApprovers(dir: Directory, refs: readonly string[], applicantId: string): string {
  const deptOf = (id: string | undefined) => (id ? dir.org.departments.find((d) => d.id === id) : undefined);
  const own = deptOf(dir.person(applicantId)?.dept);
  const parts = refs.map((ref) => {
    if (ref === 'dept_lead') return orgText(dir, 'approver.missing.dept_lead', { dept: own?.name ?? '—' });
    if (ref === 'parent_dept_lead') {
      const parent = deptOf(own?.parent);
      return parent ? orgText(dir, 'approver.missing.dept_lead', { dept: parent.name }) : orgText(dir, 'approver.missing.no_parent', { dept: own?.name ?? '—' });
    }
    if (ref.startsWith('role:')) return orgText(dir, 'approver.missing.role', { role: ref.slice(5) });
    if (ref.startsWith('person:')) {
      const id = ref.slice(7);
      return dir.person(id) ? dir.personName(id) : orgText(dir, 'approver.missing.person', { person: id });
    }
    return ref === 'applicant' ? dir.personName(applicantId) : ref;
  });
  return [...new Set(parts)].join(orgText(dir, 'list.separator')) || '—';
}
