// The organisation file laid over the synced directory: thin person entries (an id plus a
// platform id or a link key) take their name and department from the sync, department overrides
// win, excluded departments drop out with everyone under them, and a YAML-only file is refused
// exactly as before when it lacks names.
import { describe, expect, it } from 'vitest';
import type { SyncedDepartment, SyncedIdentity } from '../../src/directory/types.js';
import type { OrgFileError} from '../../src/org/load.js';
import { parseOrg } from '../../src/org/load.js';
import { departmentIdOf, overlayOrganisation } from '../../src/org/overlay.js';

const HEAD = `
organisation: { name: Co }
directory: { sync: true, exclude: [od-secret] }
`;

const dept = (id: string, parentId: string | null, name: string, leaderIds: string[] = []): SyncedDepartment => ({ platform: 'feishu', id, parentId, name, leaderIds });
const user = (userId: string, personId: string, departmentIds: string[], extra: Partial<SyncedIdentity> = {}): SyncedIdentity => ({
  platform: 'feishu', userId, personId, name: userId.toUpperCase(), status: 'active', departmentIds, leftAt: null, ...extra,
});

const synced = {
  departments: [dept('0', null, 'Co', ['ou_ceo']), dept('od-sales', '0', 'Sales', ['ou_lead']), dept('od-secret', '0', 'Secret', ['ou_spy']), dept('od-deep', 'od-secret', 'Deep')],
  identities: [
    user('ou_ceo', 'u-ceo', ['0']),
    user('ou_lead', 'u-lead', ['od-sales'], { employeeNo: 'E7' }),
    user('ou_rep', 'u-rep', ['od-sales'], { mobile: '+86 138 0000 0001' }),
    user('ou_spy', 'u-spy', ['od-secret']),
    user('ou_deep', 'u-deep', ['od-deep']),
    user('ou_gone', 'u-gone', ['od-sales'], { status: 'left', leftAt: new Date() }),
  ],
};

describe('organisation overlay', () => {
  it('completes thin entries from the sync, by platform id or by link key, and their ids replace the synced ones everywhere', () => {
    const file = parseOrg(`${HEAD}
people:
  - { id: boss, ids: { feishu: ou_ceo } }
  - { id: lina, employeeNo: E7, prefer: feishu, ids: { dingtalk: lina-dt } }
  - { id: wang, mobile: '13800000001' }
roles: { finance: [wang] }
`);
    const { org, problems } = overlayOrganisation(file, synced);
    expect(problems).toEqual([]);
    const byId = new Map(org.people.map((p) => [p.id, p]));
    expect(byId.get('boss')).toMatchObject({ name: 'OU_CEO', dept: departmentIdOf('feishu', '0'), ids: { feishu: 'ou_ceo' } });
    expect(byId.get('lina')).toMatchObject({ name: 'OU_LEAD', dept: departmentIdOf('feishu', 'od-sales'), prefer: 'feishu', ids: { feishu: 'ou_lead', dingtalk: 'lina-dt' } });
    expect(byId.get('wang')).toMatchObject({ name: 'OU_REP', ids: { feishu: 'ou_rep' } });
    // The synced ids of those people are gone (one person, one id), and the leads use the file's ids.
    expect(byId.has('u-lead')).toBe(false);
    expect(org.departments.find((d) => d.id === departmentIdOf('feishu', 'od-sales'))).toMatchObject({ lead: 'lina', parent: departmentIdOf('feishu', '0') });
    expect(org.departments.find((d) => d.id === departmentIdOf('feishu', '0'))?.lead).toBe('boss');
    // Leavers are not people of the organisation.
    expect(byId.has('u-gone')).toBe(false);
  });

  it('leaves out excluded departments, their sub-departments and their people', () => {
    const { org } = overlayOrganisation(parseOrg(HEAD), synced);
    const ids = org.departments.map((d) => d.id);
    expect(ids).not.toContain(departmentIdOf('feishu', 'od-secret'));
    expect(ids).not.toContain(departmentIdOf('feishu', 'od-deep'));
    expect(org.people.map((p) => p.id).sort()).toEqual(['u-ceo', 'u-lead', 'u-rep']);
  });

  it('lets a department entry bound to a synced one override its lead and keep its own id', () => {
    const file = parseOrg(`${HEAD}
departments:
  - { id: sales, ids: { feishu: od-sales }, lead: boss }
people:
  - { id: boss, ids: { feishu: ou_ceo } }
`);
    const { org, problems } = overlayOrganisation(file, synced);
    expect(problems).toEqual([]);
    expect(org.departments.find((d) => d.id === 'sales')).toMatchObject({ name: 'Sales', lead: 'boss', parent: departmentIdOf('feishu', '0') });
    expect(org.people.find((p) => p.id === 'u-rep')?.dept).toBe('sales');
  });

  it('reports an entry the sync does not know yet instead of inventing a person', () => {
    const file = parseOrg(`${HEAD}
people:
  - { id: ghost, ids: { feishu: ou_nobody } }
`);
    const { org, problems } = overlayOrganisation(file, synced);
    expect(problems).toEqual(['people[0]: "ghost" is not in the synced directory (yet)']);
    expect(org.people.some((p) => p.id === 'ghost')).toBe(false);
  });

  it('refuses a thin entry that names nobody, and keeps the YAML-only file as strict as before', () => {
    expect(() => parseOrg(`${HEAD}\npeople:\n  - { id: who }\n`)).toThrow(/people\[0\]: give "who" a platform id/);
    const strict = (() => {
      try {
        parseOrg(`organisation: { name: Co }\ndepartments: [{ id: d, name: D }]\npeople:\n  - { id: who, ids: { feishu: ou_x } }\n`);
      } catch (err) {
        return (err as OrgFileError).problems;
      }
      return [];
    })();
    expect(strict.some((p) => p.startsWith('people[0].name:'))).toBe(true);
    expect(strict.some((p) => p.startsWith('people[0].dept:'))).toBe(true);
    expect(() => parseOrg(`organisation: { name: Co }\n`)).toThrow(/departments/);
  });
});
