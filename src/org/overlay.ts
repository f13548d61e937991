// The organisation as the product sees it: the directory synced from the platforms, with the
// organisation file laid over it. The file adds what no platform knows (workflows, request
// types, roles, rooms, the framework standard) and overrides what a platform has wrong (a
// department's lead, a person's department, an extra identity). Pure: the same inputs give
// the same organisation on every replica.
import { createHash } from 'node:crypto';
import type { SyncedDepartment, SyncedIdentity } from '../directory/types.js';
import { REMOTE_PLATFORMS, type Department, type OrgFile, type Person, type RemotePlatform } from './schema.js';

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

/** The organisation file with the synced directory under it. With nothing synced, the file as it is. */
export function overlayOrganisation(file: OrgFile, synced: SyncedDirectory, opts: OverlayOptions = {}): OrgFile {
  const tree = treePlatformOf(synced, opts);
  const current = synced.identities.filter((i) => i.leftAt === null && i.status !== 'left');
  if (!tree && !current.length) return file;

  // Departments of the tree platform, under the ids the file binds them to (`ids`), else ours.
  const boundDept = new Map<string, Department>();
  for (const d of file.departments) {
    const bound = (d as Department & { ids?: Partial<Record<RemotePlatform, string>> }).ids?.[tree ?? 'feishu'];
    if (bound !== undefined) boundDept.set(bound, d);
  }
  const treeDepts = synced.departments.filter((d) => d.platform === tree);
  const ourDept = (platformDeptId: string) => boundDept.get(platformDeptId)?.id ?? departmentIdOf(tree!, platformDeptId);
  const root = treeDepts.find((d) => d.parentId === null);

  const personOf = new Map(current.map((i) => [`${i.platform}:${i.userId}`, i.personId]));
  const departments = new Map<string, Department>();
  for (const d of treeDepts) {
    const id = ourDept(d.id);
    const lead = d.leaderIds.map((l) => personOf.get(`${tree}:${l}`)).find((p) => p !== undefined);
    departments.set(id, {
      id,
      name: d.name,
      managers: [],
      ...(lead !== undefined && { lead }),
      ...(d.parentId !== null && treeDepts.some((p) => p.id === d.parentId) && { parent: ourDept(d.parentId) }),
    });
  }
  // The file's own entries win field by field (name, lead, parent, managers).
  for (const d of file.departments) departments.set(d.id, { ...departments.get(d.id), ...d });

  // One person per linked group of identities; the tree platform's identity speaks for them.
  const byPerson = new Map<string, SyncedIdentity[]>();
  for (const i of current) byPerson.set(i.personId, [...(byPerson.get(i.personId) ?? []), i]);
  const people = new Map<string, Person>();
  for (const [personId, ids] of byPerson) {
    const main = ids.find((i) => i.platform === tree) ?? ids[0]!;
    const deptOnTree = main.platform === tree ? (main.primaryDepartmentId ?? main.departmentIds[0]) : undefined;
    const dept = deptOnTree !== undefined ? ourDept(deptOnTree) : root ? ourDept(root.id) : undefined;
    if (dept === undefined || !departments.has(dept)) continue;
    people.set(personId, {
      id: personId,
      name: main.name,
      dept,
      ...(main.title && { title: main.title }),
      ids: Object.fromEntries(ids.map((i) => [i.platform, i.userId])),
    });
  }
  for (const p of file.people) {
    const synced = people.get(p.id);
    people.set(p.id, synced ? { ...synced, ...p, ids: { ...synced.ids, ...p.ids } } : p);
  }

  return { ...file, departments: [...departments.values()], people: [...people.values()] };
}

/** Links the organisation file fixes: each person's platform ids (`platform:userId` → person id). */
export function fixedLinksOf(file: OrgFile): Map<string, string> {
  return new Map(file.people.flatMap((p) => Object.entries(p.ids).map(([platform, userId]) => [`${platform}:${userId}`, p.id] as const)));
}
