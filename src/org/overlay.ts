// The organisation as the product sees it: the directory synced from the platforms, with the
// organisation file laid over it. The file adds what no platform knows (workflows, request
// types, roles, rooms, the framework standard) and overrides what a platform has wrong (a
// department's lead, a person's department, an extra identity). Pure: the same inputs give
// the same organisation on every replica.
import { createHash } from 'node:crypto';
import type { SyncedDepartment, SyncedIdentity } from '../directory/types.js';
import { normaliseKey } from '../core/directory/link.js';
import { REMOTE_PLATFORMS, type Department, type DepartmentEntry, type OrgFile, type OrgFileInput, type Person, type RemotePlatform } from './schema.js';

export interface SyncedDirectory {
  identities: readonly SyncedIdentity[];
  departments: readonly SyncedDepartment[];
}

export interface OverlayOptions {
  /** Whose department tree is the organisation's when several platforms are synced. */
  treePlatform?: RemotePlatform;
}

const PREFIX: Record<RemotePlatform, string> = { feishu: 'fs', dingtalk: 'dt', wecom: 'wc' };

/**
 * Our id of a platform department: the platform's id behind a platform prefix, made to fit the
 * organisation file's id rule (lower case, digits, "-", "_"); an id that had to change gets a
 * short hash so two ids differing only in case stay apart.
 */
export function departmentIdOf(platform: RemotePlatform, deptId: string): string {
  const slug = deptId.toLowerCase().replace(/[^a-z0-9_-]/g, '_');
  const exact = slug === deptId;
  return `${PREFIX[platform]}-${slug}${exact ? '' : `-${createHash('sha256').update(deptId).digest('hex').slice(0, 6)}`}`;
}

/** The platform whose tree is used: the configured one, else the first synced in product order. */
export function treePlatformOf(synced: SyncedDirectory, opts: OverlayOptions): RemotePlatform | undefined {
  const present = new Set(synced.departments.map((d) => d.platform));
  if (opts.treePlatform && present.has(opts.treePlatform)) return opts.treePlatform;
  return REMOTE_PLATFORMS.find((p) => present.has(p));
}

export interface Overlaid {
  org: OrgFile;
  /** Entries of the file the synced directory could not complete (no such person synced yet). */
  problems: string[];
}

/** The organisation file with the synced directory under it. Without `directory.sync`, the file as it is. */
export function overlayOrganisation(file: OrgFileInput, synced: SyncedDirectory, opts: OverlayOptions = {}): Overlaid {
  if (!file.directory.sync) return { org: file as OrgFile, problems: [] }; // the strict schema made name and dept required
  const tree = treePlatformOf(synced, { treePlatform: opts.treePlatform ?? file.directory.tree });
  const current = synced.identities.filter((i) => i.leftAt === null && i.status !== 'left');

  // Departments of the tree platform, under the ids the file binds them to (`ids`), else ours.
  const boundDept = new Map<string, string>();
  if (tree) for (const d of file.departments) if (d.ids[tree] !== undefined) boundDept.set(d.ids[tree], d.id);
  const ourDept = (platformDeptId: string) => boundDept.get(platformDeptId) ?? departmentIdOf(tree!, platformDeptId);
  const excluded = excludedDepartments(tree ? synced.departments.filter((d) => d.platform === tree) : [], file.directory.exclude, ourDept);
  const treeDepts = tree ? synced.departments.filter((d) => d.platform === tree && !excluded.has(d.id)) : [];
  const root = treeDepts.find((d) => d.parentId === null);

  // A file entry stands for the synced person its platform ids or link keys name: that person
  // takes the entry's id (ids first, then the keys in the order linking trusts them). A key that
  // names several people is settled by the tree platform's identity, or reported, never guessed.
  const aliasOf = new Map<string, string>();
  const problems: string[] = [];
  file.people.forEach((entry, i) => {
    const byId = current.find((i) => entry.ids[i.platform] === i.userId);
    if (byId) {
      if (!aliasOf.has(byId.personId)) aliasOf.set(byId.personId, entry.id);
      return;
    }
    for (const key of file.directory.linkBy) {
      const want = normaliseKey(key, entry[key]);
      if (want === undefined) continue;
      const found = current.filter((i) => normaliseKey(key, i[key]) === want);
      if (!found.length) continue;
      const persons = new Set(found.map((i) => i.personId));
      const onTree = new Set(found.filter((i) => i.platform === tree).map((i) => i.personId));
      const chosen = persons.size === 1 ? [...persons] : [...onTree];
      if (chosen.length === 1) {
        if (!aliasOf.has(chosen[0]!)) aliasOf.set(chosen[0]!, entry.id);
      } else problems.push(`people[${i}].${key}: "${entry[key]}" names several synced people; give "${entry.id}" a platform id (ids)`);
      return;
    }
  });
  const idOf = (personId: string) => aliasOf.get(personId) ?? personId;

  const personOf = new Map(current.map((i) => [`${i.platform}:${i.userId}`, idOf(i.personId)]));
  const departments = new Map<string, DepartmentEntry>();
  for (const d of treeDepts) {
    const id = ourDept(d.id);
    const lead = d.leaderIds.map((l) => personOf.get(`${tree}:${l}`)).find((p) => p !== undefined);
    departments.set(id, {
      id,
      name: d.name,
      managers: [],
      ids: { [tree!]: d.id },
      ...(lead !== undefined && { lead }),
      ...(d.parentId !== null && treeDepts.some((p) => p.id === d.parentId) && { parent: ourDept(d.parentId) }),
    });
  }
  // The file's own entries win field by field (name, lead, parent, managers); an entry bound to
  // an excluded department is left out with it.
  const excludedOurs = new Set([...excluded].map(ourDept));
  for (const d of file.departments) {
    if (excludedOurs.has(d.id)) continue;
    departments.set(d.id, { ...departments.get(d.id), ...d, ids: { ...departments.get(d.id)?.ids, ...d.ids } });
  }

  // One person per linked group of identities; the tree platform's identity speaks for them.
  const byPerson = new Map<string, SyncedIdentity[]>();
  for (const i of current) byPerson.set(idOf(i.personId), [...(byPerson.get(idOf(i.personId)) ?? []), i]);
  const people = new Map<string, Person>();
  for (const [personId, ids] of byPerson) {
    const main = ids.find((i) => i.platform === tree) ?? ids[0]!;
    const onTree = main.platform === tree ? [main.primaryDepartmentId, ...main.departmentIds].filter((d): d is string => d !== undefined) : [];
    // Someone only in excluded departments is left out; otherwise their first department still synced.
    if (onTree.length && onTree.every((d) => excluded.has(d))) continue;
    const deptOnTree = onTree.find((d) => !excluded.has(d));
    const dept = deptOnTree !== undefined ? ourDept(deptOnTree) : root ? ourDept(root.id) : undefined;
    if (dept === undefined) continue;
    people.set(personId, {
      id: personId,
      name: main.name,
      dept,
      ids: Object.fromEntries(ids.map((i) => [i.platform, i.userId])),
      ...(main.title && { title: main.title }),
    });
  }
  file.people.forEach((entry, i) => {
    const found = people.get(entry.id);
    const name = entry.name ?? found?.name;
    const dept = entry.dept ?? found?.dept;
    if (name === undefined || dept === undefined) {
      problems.push(`people[${i}]: "${entry.id}" is not in the synced directory (yet)`);
      return;
    }
    people.set(entry.id, { ...found, ...entry, name, dept, ids: { ...found?.ids, ...entry.ids } });
  });
  for (const p of people.values()) if (!departments.has(p.dept)) problems.push(`person "${p.id}": unknown department "${p.dept}"`);
  const named: Department[] = [];
  for (const d of departments.values()) {
    if (d.name === undefined) problems.push(`department "${d.id}" is not in the synced directory (yet)`);
    else named.push({ ...d, name: d.name });
  }
  // Nobody may point at a department that is not there: such a person or lead is a problem, not a crash.
  const known = new Set(named.map((d) => d.id));
  const kept = [...people.values()].filter((p) => known.has(p.dept));
  const keptIds = new Set(kept.map((p) => p.id));
  const depts = named.map(({ parent, lead, ...d }) => ({ ...d, ...(parent !== undefined && known.has(parent) && { parent }), ...(lead !== undefined && keptIds.has(lead) && { lead }) }));

  return { org: { ...file, departments: depts, people: kept }, problems };
}

/** The tree platform's departments the file excludes (by our id or theirs), with every one below them. */
function excludedDepartments(depts: readonly SyncedDepartment[], exclude: readonly string[], ourDept: (id: string) => string): Set<string> {
  const out = new Set(depts.filter((d) => exclude.includes(d.id) || exclude.includes(ourDept(d.id))).map((d) => d.id));
  for (let grew = out.size > 0; grew; ) {
    grew = false;
    for (const d of depts) {
      if (d.parentId !== null && out.has(d.parentId) && !out.has(d.id)) {
        out.add(d.id);
        grew = true;
      }
    }
  }
  return out;
}

/** Links the organisation file fixes: each person's platform ids (`platform:userId` → person id). */
export function fixedLinksOf(file: OrgFileInput): Map<string, string> {
  return new Map(file.people.flatMap((p) => Object.entries(p.ids).map(([platform, userId]) => [`${platform}:${userId}`, p.id] as const)));
}
