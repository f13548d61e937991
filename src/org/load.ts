// Reads and validates the organisation file. Errors name the bad field the way a person
// would look for it in the YAML: `people[3].dept: unknown department "x"`.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { orgSchema, syncedOrgSchema, type OrgFile, type OrgFileInput, type WhenEmptyPolicy } from './schema.js';
import { overlayOrganisation } from './overlay.js';
import { Directory } from './directory.js';
import { fieldKind } from '../core/fields/index.js';
import { BUILTIN_TYPES } from '../core/request-types.js';
import type { CalendarOptions } from '../core/calendar/index.js';

/** The working-day calendar's options from the organisation settings (one place for app and cards). */
export function calendarOptions(org: OrgFile['organisation']): CalendarOptions {
  const c = org.calendar;
  return { timezone: org.timezone, businessHours: org.businessHours, extraHolidays: c.holidays, extraWorkdays: c.workdays, official: c.official };
}

export const EXAMPLE_ORG_FILE = fileURLToPath(new URL('../../org.example.yaml', import.meta.url));

export class OrgFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`organisation file ${file} is invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'OrgFileError';
  }
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

function zodProblems(error: z.ZodError): string[] {
  // A bad record key (calendar.official's year) carries the useful message one level down.
  const message = (i: z.core.$ZodIssue): string => (i.code === 'invalid_key' && i.issues[0] ? i.issues[0].message : i.message);
  return error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${message(i)}`);
}

/**
 * Cross-reference checks zod cannot express: every id that points somewhere must land. With a
 * synced directory, a person named anywhere must still have an entry in the file (it may be just
 * an id and a platform id), but departments may be synced ones, known only after a sync.
 */
export function crossCheck(org: OrgFileInput): string[] {
  const problems: string[] = [];
  const synced = org.directory.sync;
  const people = new Set<string>();
  const depts = new Set(org.departments.map((d) => d.id));
  const rooms = new Set<string>();
  const dup = (kind: string, list: Array<{ id: string }>, seen: Set<string>) =>
    list.forEach((x, i) => {
      if (seen.has(x.id)) problems.push(`${kind}[${i}].id: duplicate id "${x.id}"`);
      seen.add(x.id);
    });
  dup('people', org.people, people);
  dup('rooms', org.rooms, rooms);
  dup('departments', org.departments, new Set());

  const platformIdOwner = new Map<string, string>();
  org.people.forEach((p, i) => {
    if (p.dept && !synced && !depts.has(p.dept)) problems.push(`people[${i}].dept: unknown department "${p.dept}"`);
    for (const [platform, ext] of Object.entries(p.ids)) {
      const key = `${platform}:${ext}`;
      const owner = platformIdOwner.get(key);
      if (owner) problems.push(`people[${i}].ids.${platform}: "${ext}" is already used by "${owner}"`);
      platformIdOwner.set(key, p.id);
    }
    if (p.prefer && !synced && !p.ids[p.prefer]) problems.push(`people[${i}].prefer: no ${p.prefer} id is given for "${p.id}"`);
    // A thin entry must say whom it stands for: a platform id, a link key, or a whole person.
    if (synced && !Object.keys(p.ids).length && !p.employeeNo && !p.mobile && !p.email && !(p.name && p.dept)) {
      problems.push(`people[${i}]: give "${p.id}" a platform id (ids), a link key (employeeNo, mobile, email) or a name and dept`);
    }
  });
  org.departments.forEach((d, i) => {
    if (d.lead && !people.has(d.lead)) problems.push(`departments[${i}].lead: unknown person "${d.lead}"`);
    if (d.parent && !synced && !depts.has(d.parent)) problems.push(`departments[${i}].parent: unknown department "${d.parent}"`);
    d.managers.forEach((m, j) => {
      if (!people.has(m)) problems.push(`departments[${i}].managers[${j}]: unknown person "${m}"`);
    });
  });
  // Parent chains must end: a cycle would make "parent department lead" loop forever.
  const parentOf = new Map(org.departments.map((d) => [d.id, d.parent]));
  org.departments.forEach((d, i) => {
    const seen = new Set<string>([d.id]);
    for (let p = d.parent; p; p = parentOf.get(p)) {
      if (seen.has(p)) {
        problems.push(`departments[${i}].parent: departments form a cycle through "${p}"`);
        break;
      }
      seen.add(p);
    }
  });
  for (const [role, members] of Object.entries(org.roles)) {
    members.forEach((m, j) => {
      if (!people.has(m)) problems.push(`roles.${role}[${j}]: unknown person "${m}"`);
    });
  }
  org.rooms.forEach((r, i) =>
    r.members.forEach((m, j) => {
      if (!people.has(m)) problems.push(`rooms[${i}].members[${j}]: unknown person "${m}"`);
    }),
  );
  const checkRef = (ref: string, where: string) => {
    if (ref.startsWith('role:') && !org.roles[ref.slice(5)]) problems.push(`${where}: unknown role "${ref.slice(5)}"`);
    if (ref.startsWith('person:') && !people.has(ref.slice(7))) problems.push(`${where}: unknown person "${ref.slice(7)}"`);
  };
  // An empty-approver fallback (`whenEmpty: { assign: [...] }`) must name real roles and people too.
  const checkAssign = (policy: WhenEmptyPolicy | undefined, where: string) => {
    if (policy && typeof policy === 'object') policy.assign.forEach((ref, k) => checkRef(ref, `${where}.assign[${k}]`));
  };
  checkAssign(org.organisation.whenEmpty, 'organisation.whenEmpty');
  const known = new Set([...BUILTIN_TYPES.map((t) => t.id), ...org.requestTypes.map((t) => t.id)]);
  org.requestTypes.forEach((t, i) => {
    if (t.titleField && !t.fields.some((f) => f.key === t.titleField)) problems.push(`requestTypes[${i}].titleField: no field "${t.titleField}"`);
    t.fields.forEach((f, j) => {
      const problem = fieldKind(f.kind).check?.(f);
      if (problem) problems.push(`requestTypes[${i}].fields[${j}].${problem.path}: ${problem.message}`);
    });
  });
  const types = new Set<string>();
  org.workflows.forEach((w, i) => {
    if (!known.has(w.requestType)) problems.push(`workflows[${i}].requestType: unknown request type "${w.requestType}"`);
    if (types.has(w.requestType)) problems.push(`workflows[${i}].requestType: a workflow for "${w.requestType}" already exists`);
    types.add(w.requestType);
    w.rooms.forEach((r, j) => {
      if (!rooms.has(r)) problems.push(`workflows[${i}].rooms[${j}]: unknown room "${r}"`);
    });
    w.cc.forEach((ref, j) => checkRef(ref, `workflows[${i}].cc[${j}]`));
    w.preConsult?.approvers.forEach((ref, j) => checkRef(ref, `workflows[${i}].preConsult.approvers[${j}]`));
    w.overBudget?.approvers.forEach((ref, j) => checkRef(ref, `workflows[${i}].overBudget.approvers[${j}]`));
    w.escalation?.to.forEach((ref, j) => checkRef(ref, `workflows[${i}].escalation.to[${j}]`));
    checkAssign(w.whenEmpty, `workflows[${i}].whenEmpty`);
    checkAssign(w.preConsult?.whenEmpty, `workflows[${i}].preConsult.whenEmpty`);
    checkAssign(w.overBudget?.whenEmpty, `workflows[${i}].overBudget.whenEmpty`);
    const stepIds = new Set<string>();
    w.steps.forEach((s, j) => {
      if (stepIds.has(s.id)) problems.push(`workflows[${i}].steps[${j}].id: duplicate step id "${s.id}"`);
      stepIds.add(s.id);
      s.approvers.forEach((ref, k) => checkRef(ref, `workflows[${i}].steps[${j}].approvers[${k}]`));
      checkAssign(s.whenEmpty, `workflows[${i}].steps[${j}].whenEmpty`);
    });
    if (w.restartAt && !stepIds.has(w.restartAt)) problems.push(`workflows[${i}].restartAt: unknown step "${w.restartAt}"`);
  });
  const officialOff = new Set(Object.values(org.organisation.calendar.official).flatMap((a) => a.holidays));
  for (const [year, arrangement] of Object.entries(org.organisation.calendar.official)) {
    const where = `organisation.calendar.official.${year}`;
    const bad = (list: string[], what: string) =>
      list.forEach((d, j) => {
        const real = new Date(`${d}T00:00:00Z`);
        if (Number.isNaN(real.getTime()) || real.toISOString().slice(0, 10) !== d) problems.push(`${where}.${what}[${j}]: "${d}" is not a real date`);
        else if (!d.startsWith(`${year}-`) && !d.startsWith(`${Number(year) - 1}-12-`)) problems.push(`${where}.${what}[${j}]: ${d} is not in ${year} (or the December before)`);
      });
    bad(arrangement.holidays, 'holidays');
    bad(arrangement.workdays, 'workdays');
    arrangement.workdays.forEach((d, j) => {
      if (officialOff.has(d)) problems.push(`${where}.workdays[${j}]: ${d} is also listed as a holiday`);
    });
  }
  return problems;
}

export function parseOrg(text: string, file = '(inline)'): OrgFileInput {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const msg = err instanceof YAMLParseError ? err.message.split('\n')[0]! : String(err);
    throw new OrgFileError(file, [`YAML: ${msg}`]);
  }
  // The overlay schema only when the file says the directory is synced: otherwise as strict as ever.
  const synced = typeof raw === 'object' && raw !== null && (raw as { directory?: { sync?: unknown } }).directory?.sync === true;
  const parsed = (synced ? syncedOrgSchema : orgSchema).safeParse(raw);
  if (!parsed.success) throw new OrgFileError(file, zodProblems(parsed.error));
  const problems = crossCheck(parsed.data);
  if (problems.length) throw new OrgFileError(file, problems);
  return parsed.data;
}

/**
 * The Directory of an organisation file. With `directory.sync` it starts with nothing synced
 * (entries without a name and department wait for the first sync); the app lays the synced
 * directory under it as soon as it can read the database.
 */
export function loadOrg(file: string | undefined): Directory {
  const path = file ?? EXAMPLE_ORG_FILE;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new OrgFileError(path, [`cannot read: ${(err as Error).message}`]);
  }
  return directoryFromText(text, path);
}

/** The Directory of an organisation file's text (see loadOrg). */
export function directoryFromText(text: string, file = '(inline)'): Directory {
  const input = parseOrg(text, file);
  return new Directory(overlayOrganisation(input, { identities: [], departments: [] }).org, input);
}
