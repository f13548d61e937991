// Read-only lookups over the organisation: the organisation file, or the synced directory with
// the file laid over it (overlay.ts). Pure and in memory; every replica builds the same one.
import type { Department, OrgFile, OrgFileInput, Person, Platform, RemotePlatform, Room, Workflow } from './schema.js';
import { REMOTE_PLATFORMS } from './schema.js';
import { BUILTIN_TYPES, type RequestTypeDef } from '../core/request-types.js';

/** Every lookup table of one organisation, built once and never changed. */
class Snapshot {
  readonly people: ReadonlyMap<string, Person>;
  readonly departments: ReadonlyMap<string, Department>;
  readonly rooms: ReadonlyMap<string, Room>;
  readonly byPlatformId = new Map<string, Person>();
  readonly roomsByPlatformId = new Map<string, Room>();
  readonly types = new Map<string, RequestTypeDef>();

  constructor(readonly org: OrgFile) {
    this.people = new Map(org.people.map((p) => [p.id, p]));
    this.departments = new Map(org.departments.map((d) => [d.id, d]));
    this.rooms = new Map(org.rooms.map((r) => [r.id, r]));
    for (const p of org.people) for (const [pl, ext] of Object.entries(p.ids)) this.byPlatformId.set(`${pl}:${ext}`, p);
    for (const r of org.rooms) for (const [pl, ext] of Object.entries(r.ids)) this.roomsByPlatformId.set(`${pl}:${ext}`, r);
    for (const t of BUILTIN_TYPES) this.types.set(t.id, t);
    for (const t of org.requestTypes) {
      this.types.set(t.id, {
        ...t,
        nameEn: t.nameEn ?? t.name,
        fields: t.fields.map((f) => ({ ...f, labelEn: f.labelEn ?? f.label })),
      });
    }
  }
}

/**
 * The organisation every service reads. With a synced directory it changes at run time:
 * `replace` swaps in a whole new snapshot at once, so a reader never sees half of a change.
 */
export class Directory {
  private s: Snapshot;

  /** `file`: the organisation file as written, when `org` is it laid over a synced directory. */
  constructor(
    org: OrgFile,
    readonly file: OrgFileInput = org,
  ) {
    this.s = new Snapshot(org);
  }

  /** Swaps in a new organisation (the overlay after a sync). */
  replace(org: OrgFile): void {
    this.s = new Snapshot(org);
  }

  get org(): OrgFile {
    return this.s.org;
  }

  get people(): ReadonlyMap<string, Person> {
    return this.s.people;
  }

  get departments(): ReadonlyMap<string, Department> {
    return this.s.departments;
  }

  get rooms(): ReadonlyMap<string, Room> {
    return this.s.rooms;
  }

  private get byPlatformId(): ReadonlyMap<string, Person> {
    return this.s.byPlatformId;
  }

  private get roomsByPlatformId(): ReadonlyMap<string, Room> {
    return this.s.roomsByPlatformId;
  }

  private get types(): ReadonlyMap<string, RequestTypeDef> {
    return this.s.types;
  }

  /** A request type: declared in the organisation file, or built in. */
  requestType(id: string): RequestTypeDef | undefined {
    return this.types.get(id);
  }

  /** Types people can submit: those with a workflow. */
  submittableTypes(): RequestTypeDef[] {
    return this.org.workflows.map((w) => this.types.get(w.requestType)).filter((t): t is RequestTypeDef => !!t);
  }

  get timezone(): string {
    return this.org.organisation.timezone;
  }

  person(id: string): Person | undefined {
    return this.people.get(id);
  }

  personName(id: string): string {
    return this.people.get(id)?.name ?? id;
  }

  /** The person behind a platform user id. On the local simulator the person id is the user id. */
  personByPlatformId(platform: Platform, externalId: string): Person | undefined {
    if (platform === 'local') return this.people.get(externalId);
    return this.byPlatformId.get(`${platform}:${externalId}`);
  }

  roomByPlatformId(platform: Platform, externalId: string): Room | undefined {
    if (platform === 'local') return this.rooms.get(externalId);
    return this.roomsByPlatformId.get(`${platform}:${externalId}`);
  }

  /** The person's id on a platform, or undefined when they are not on it. */
  platformIdOf(personId: string, platform: Platform): string | undefined {
    if (platform === 'local') return this.people.has(personId) ? personId : undefined;
    return this.people.get(personId)?.ids[platform];
  }

  roomPlatformId(roomId: string, platform: Platform): string | undefined {
    if (platform === 'local') return this.rooms.has(roomId) ? roomId : undefined;
    return this.rooms.get(roomId)?.ids[platform];
  }

  /**
   * Platforms to reach a person on: their preferred platform if it is enabled, otherwise every
   * enabled platform they have an id on. The simulator, when enabled, always sees everything.
   */
  reachablePlatforms(personId: string, enabled: ReadonlySet<Platform>): Platform[] {
    const p = this.people.get(personId);
    if (!p) return [];
    const remote = REMOTE_PLATFORMS.filter((pl) => enabled.has(pl) && p.ids[pl]);
    const chosen: Platform[] = p.prefer && remote.includes(p.prefer) ? [p.prefer] : [...remote];
    if (enabled.has('local')) chosen.push('local');
    return chosen;
  }

  roomPlatforms(roomId: string, enabled: ReadonlySet<Platform>): Platform[] {
    const r = this.rooms.get(roomId);
    if (!r) return [];
    const list: Platform[] = REMOTE_PLATFORMS.filter((pl: RemotePlatform) => enabled.has(pl) && r.ids[pl]);
    if (enabled.has('local')) list.push('local');
    return list;
  }

  roomsOf(personId: string): Room[] {
    return this.org.rooms.filter((r) => r.members.includes(personId));
  }

  deptLead(deptId: string): string | undefined {
    return this.departments.get(deptId)?.lead;
  }

  parentDeptLead(deptId: string): string | undefined {
    const parent = this.departments.get(deptId)?.parent;
    return parent ? this.deptLead(parent) : undefined;
  }

  roleMembers(role: string): string[] {
    return this.org.roles[role] ?? [];
  }

  /** Departments a person manages: led by them or listed as manager, plus every descendant. */
  managedDepartments(personId: string): string[] {
    return this.withDescendants(this.org.departments.filter((d) => d.lead === personId || d.managers.includes(personId)).map((d) => d.id));
  }

  /** A department and every department below it. */
  managedDepartmentsUnder(deptId: string): string[] {
    return this.withDescendants([deptId]);
  }

  private withDescendants(roots: string[]): string[] {
    const out = new Set<string>(roots);
    let grew = true;
    while (grew) {
      grew = false;
      for (const d of this.org.departments) {
        if (d.parent && out.has(d.parent) && !out.has(d.id)) {
          out.add(d.id);
          grew = true;
        }
      }
    }
    return [...out];
  }

  managers(): string[] {
    return [...new Set(this.org.departments.flatMap((d) => [...(d.lead ? [d.lead] : []), ...d.managers]))];
  }

  /**
   * Resolve approver references for an applicant. Unresolvable references (a department
   * without a lead) resolve to nobody; the caller decides what an empty step means.
   */
  resolveApprovers(refs: readonly string[], applicantId: string): string[] {
    return this.resolveIn(refs, applicantId, this.people.get(applicantId)?.dept);
  }

  /** As resolveApprovers, for an applicant of department `dept` (the org doctor asks for one who leads nothing). */
  resolveIn(refs: readonly string[], applicantId: string, dept: string | undefined): string[] {
    const out: string[] = [];
    for (const ref of refs) {
      if (ref === 'applicant') out.push(applicantId);
      else if (ref === 'dept_lead') {
        const lead = dept && this.deptLead(dept);
        // The applicant leading their own department goes up one level, as on paper.
        if (lead === applicantId) {
          const up = dept && this.parentDeptLead(dept);
          if (up) out.push(up);
        } else if (lead) out.push(lead);
      } else if (ref === 'parent_dept_lead') {
        const lead = dept && this.parentDeptLead(dept);
        if (lead) out.push(lead);
      } else if (ref.startsWith('role:')) out.push(...this.roleMembers(ref.slice(5)));
      else if (ref.startsWith('person:')) out.push(ref.slice(7));
    }
    return [...new Set(out)];
  }

  /**
   * Whether `dept_lead` or `parent_dept_lead` among the refs stands for the applicant themself:
   * they lead their department and nobody leads the one above (the head of the organisation
   * asking for their own superior). Such a step is a self-approval, not an empty one.
   */
  leadsAtTop(refs: readonly string[], applicantId: string): boolean {
    const dept = this.people.get(applicantId)?.dept;
    const asksUp = refs.includes('dept_lead') || refs.includes('parent_dept_lead');
    return !!dept && asksUp && this.deptLead(dept) === applicantId && !this.parentDeptLead(dept);
  }

  workflowFor(requestType: string): Workflow | undefined {
    return this.org.workflows.find((w) => w.requestType === requestType);
  }
}
