// What a directory reader should have read from a generated company, in the reader's shape, so
// each platform's test states only how the platform names things.
import type { PlatformDepartment, PlatformDirectory, PlatformUser } from '../../src/directory/types.js';
import type { Company, CompanyPerson } from '../fakes/company.js';

export interface PlatformNames {
  department(key: number): string;
  user(key: number): string;
}

export function expectedDepartments(company: Company, names: PlatformNames): PlatformDepartment[] {
  return company.departments.map((d) => ({
    id: names.department(d.key),
    parentId: d.parent === null ? null : names.department(d.parent),
    name: d.name,
    leaderIds: d.leaders.map((k) => names.user(k)),
  }));
}

/** The fields every platform gives the same way; callers add their keys and status. */
export function commonUser(p: CompanyPerson, names: PlatformNames): PlatformUser {
  return {
    userId: names.user(p.key),
    name: p.name,
    status: p.status,
    departmentIds: p.departments.map((d) => names.department(d)),
    primaryDepartmentId: names.department(p.departments[0]!),
    title: p.title,
    ...(p.managerKey !== undefined ? { managerId: names.user(p.managerKey) } : {}),
  };
}

const byId = <T extends { id?: string; userId?: string }>(a: T, b: T) => String(a.id ?? a.userId).localeCompare(String(b.id ?? b.userId));

/** The read, sorted and with department lists as sets, so order within the platform's answer does not matter. */
export function normalised(dir: Pick<PlatformDirectory, 'departments' | 'users'>) {
  return {
    departments: [...dir.departments].sort(byId),
    users: [...dir.users].map((u) => ({ ...u, departmentIds: [...u.departmentIds].sort() })).sort(byId),
  };
}
