import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EXAMPLE_ORG_FILE, OrgFileError, loadOrg, parseOrg } from '../../src/org/load.js';

const example = () => parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as Record<string, unknown> & {
  people: Array<Record<string, unknown>>;
  departments: Array<Record<string, unknown>>;
  workflows: Array<Record<string, unknown> & { steps: Array<Record<string, unknown>> }>;
  rooms: Array<Record<string, unknown>>;
};

function problemsOf(org: unknown): string[] {
  try {
    parseOrg(stringify(org), 'org.yaml');
  } catch (err) {
    if (err instanceof OrgFileError) return err.problems;
    throw err;
  }
  return [];
}

describe('organisation file', () => {
  it('loads the shipped example', () => {
    const dir = loadOrg(undefined);
    expect(dir.org.people.length).toBeGreaterThanOrEqual(8);
    expect(dir.personByPlatformId('feishu', 'ou_liming')?.id).toBe('liming');
    expect(dir.personByPlatformId('local', 'liming')?.name).toBe('李明');
    expect(dir.roomByPlatformId('dingtalk', 'cid_east_approvals')?.id).toBe('east-approvals');
  });

  it('names the path of a bad reference', () => {
    const org = example();
    org.people[3]!.dept = 'x';
    expect(problemsOf(org)).toContain('people[3].dept: unknown department "x"');
  });

  it('names schema errors by path', () => {
    const org = example();
    org.workflows[0]!.steps[0]!.mode = 'some';
    delete org.people[1]!.name;
    const p = problemsOf(org);
    expect(p.some((x) => x.startsWith('workflows[0].steps[0].mode:'))).toBe(true);
    expect(p.some((x) => x.startsWith('people[1].name:'))).toBe(true);
  });

  it('finds unknown roles, rooms, duplicate platform ids and department cycles', () => {
    const org = example();
    (org.workflows[0]!.steps[0]!.approvers as string[]) = ['role:nobody'];
    (org.workflows[0]!.rooms as string[]) = ['ghost-room'];
    (org.people[1]!.ids as Record<string, string>).feishu = 'ou_chenjie';
    org.departments[0]!.parent = 'east-marketing';
    const p = problemsOf(org);
    expect(p).toContain('workflows[0].steps[0].approvers[0]: unknown role "nobody"');
    expect(p).toContain('workflows[0].rooms[0]: unknown room "ghost-room"');
    expect(p).toContain('people[1].ids.feishu: "ou_chenjie" is already used by "chenjie"');
    expect(p.some((x) => /departments\[\d\]\.parent: departments form a cycle/.test(x))).toBe(true);
  });

  it('reports YAML syntax errors and unreadable files', () => {
    expect(() => parseOrg('people: [', 'bad.yaml')).toThrow(/bad.yaml is invalid:\n {2}YAML: /);
    expect(() => loadOrg('/nonexistent/org.yaml')).toThrow(/cannot read/);
  });

  it('resolves approvers relative to the applicant', () => {
    const dir = loadOrg(undefined);
    expect(dir.resolveApprovers(['dept_lead'], 'liming')).toEqual(['liuyang']);
    expect(dir.resolveApprovers(['parent_dept_lead'], 'liming')).toEqual(['zhouqiang']);
    // A lead applying goes one level up instead of approving themselves.
    expect(dir.resolveApprovers(['dept_lead'], 'liuyang')).toEqual(['zhouqiang']);
    expect(dir.resolveApprovers(['role:hq_marketing', 'person:wangfang'], 'liming')).toEqual(['zhaolei', 'sunli', 'wangfang']);
    expect(dir.managedDepartments('zhouqiang').sort()).toEqual(['east-branch', 'east-marketing']);
  });
});
