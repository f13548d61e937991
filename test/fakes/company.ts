// One generated company that every fake contacts API serves, each under its own ids: a tree of
// departments with leaders, people with employee numbers, mobiles and emails, some of them in
// two departments, some suspended, not yet activated or gone. Deterministic for a seed.
import { mulberry32 } from '../support/random.js';

export type PersonStatus = 'active' | 'suspended' | 'inactive' | 'left';

export interface CompanyDepartment {
  /** 0 is the root. */
  key: number;
  parent: number | null;
  name: string;
  /** Person keys, main leader first. */
  leaders: number[];
}

export interface CompanyPerson {
  key: number;
  name: string;
  title: string;
  employeeNo: string;
  mobile: string;
  email: string;
  /** Department keys, primary first. */
  departments: number[];
  managerKey?: number;
  status: PersonStatus;
}

export interface Company {
  departments: CompanyDepartment[];
  people: CompanyPerson[];
  /** People whose departments include `dept`, in key order. */
  membersOf(dept: number): CompanyPerson[];
  childrenOf(dept: number): CompanyDepartment[];
}

export interface CompanyShape {
  departments?: number;
  people?: number;
  seed?: number;
  /** This many people (the first keys) sit in department 1, so its member list needs several pages. */
  bigDepartment?: number;
  /** Share of people with a second department. */
  secondDepartmentShare?: number;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛'];
const TITLES = ['工程师', '产品经理', '设计师', '销售', '会计', '行政', '经理'];

export function statusOfKey(key: number): PersonStatus {
  if (key % 50 === 7) return 'left';
  if (key % 97 === 3) return 'suspended';
  if (key % 89 === 5) return 'inactive';
  return 'active';
}

export function generateCompany(shape: CompanyShape = {}): Company {
  const nDepts = shape.departments ?? 150;
  const nPeople = shape.people ?? 2000;
  const big = Math.min(shape.bigDepartment ?? 0, nPeople);
  const share = shape.secondDepartmentShare ?? 0.05;
  const rnd = mulberry32(shape.seed ?? 1);
  const pick = (n: number) => Math.floor(rnd() * n);

  const departments: CompanyDepartment[] = [{ key: 0, parent: null, name: '总公司', leaders: [] }];
  for (let key = 1; key < nDepts; key++) departments.push({ key, parent: key === 1 ? 0 : pick(key), name: `部门${key}`, leaders: [] });

  const people: CompanyPerson[] = [];
  for (let key = 0; key < nPeople; key++) {
    const primary = key < big && nDepts > 1 ? 1 : pick(nDepts);
    const depts = [primary];
    if (nDepts > 1 && rnd() < share) {
      const second = (primary + 1 + pick(nDepts - 1)) % nDepts;
      depts.push(second);
    }
    people.push({
      key,
      name: `${SURNAMES[key % SURNAMES.length]}${GIVEN[Math.floor(key / SURNAMES.length) % GIVEN.length]}${key}`,
      title: TITLES[pick(TITLES.length)]!,
      employeeNo: `E${String(key + 1).padStart(5, '0')}`,
      mobile: `138${String(key).padStart(8, '0')}`,
      email: `p${key}@example.com`,
      departments: depts,
      status: statusOfKey(key),
    });
  }

  const members = new Map<number, CompanyPerson[]>();
  for (const p of people) {
    for (const d of p.departments) {
      const list = members.get(d) ?? [];
      list.push(p);
      members.set(d, list);
    }
  }
  // Leaders: the first one or two people of the department still with the company.
  for (const d of departments) {
    const staying = (members.get(d.key) ?? []).filter((p) => p.status !== 'left');
    d.leaders = staying.slice(0, d.key % 5 === 0 ? 2 : 1).map((p) => p.key);
  }
  // Manager: the primary department's main leader, or the parent department's for a leader.
  const byKey = new Map(departments.map((d) => [d.key, d]));
  for (const p of people) {
    let d: CompanyDepartment | undefined = byKey.get(p.departments[0]!);
    while (d && (d.leaders[0] === undefined || d.leaders[0] === p.key)) d = d.parent === null ? undefined : byKey.get(d.parent);
    if (d?.leaders[0] !== undefined) p.managerKey = d.leaders[0];
  }

  return {
    departments,
    people,
    membersOf: (dept) => members.get(dept) ?? [],
    childrenOf: (dept) => departments.filter((d) => d.parent === dept),
  };
}

/** Opaque page tokens every fake checks: the offset, bound to the list it pages. */
export function pageToken(list: string, offset: number): string {
  return Buffer.from(JSON.stringify({ list, offset })).toString('base64url');
}

export function readPageToken(list: string, token: string): number | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { list?: unknown; offset?: unknown };
    return t.list === list && typeof t.offset === 'number' && t.offset >= 0 ? t.offset : undefined;
  } catch {
    return undefined;
  }
}
