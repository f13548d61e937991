import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { identityKey, linkIdentities, normaliseKey, type Identity, type LinkInput } from '../../src/core/directory/link.js';

const KEYS = ['employeeNo', 'mobile', 'email'] as const;
const newPersonId = (i: { platform: string; userId: string }) => `p-${i.platform}-${i.userId}`;
const run = (identities: Identity[], extra: Partial<LinkInput> = {}) =>
  linkIdentities({ keys: KEYS, identities, fixed: new Map(), previous: new Map(), newPersonId, ...extra });
const personOf = (r: ReturnType<typeof run>, platform: string, userId: string) => r.links.get(`${platform}:${userId}`);

describe('linking identities across platforms', () => {
  it('links by employee number, then mobile, then email, and reports nothing when all match', () => {
    const r = run([
      { platform: 'feishu', userId: 'ou_1', employeeNo: 'E001' },
      { platform: 'dingtalk', userId: 'd1', employeeNo: 'E001' },
      { platform: 'wecom', userId: 'w1', mobile: '+86 138-0000-0001' },
      { platform: 'feishu', userId: 'ou_2', mobile: '13800000001', email: 'A@x.cn' },
      { platform: 'dingtalk', userId: 'd2', email: 'a@X.cn' },
    ]);
    expect(personOf(r, 'feishu', 'ou_1')).toBe(personOf(r, 'dingtalk', 'd1'));
    expect(personOf(r, 'wecom', 'w1')).toBe(personOf(r, 'feishu', 'ou_2'));
    expect(personOf(r, 'dingtalk', 'd2')).toBe(personOf(r, 'feishu', 'ou_2'));
    expect(personOf(r, 'feishu', 'ou_1')).not.toBe(personOf(r, 'feishu', 'ou_2'));
    expect(r.issues).toEqual([]);
  });

  it('gives the same result whatever order the platforms report in', () => {
    const ids: Identity[] = [
      { platform: 'wecom', userId: 'w1', email: 'z@x.cn' },
      { platform: 'feishu', userId: 'ou_1', employeeNo: '7', email: 'z@x.cn' },
      { platform: 'dingtalk', userId: 'd1', employeeNo: '7' },
    ];
    const a = run(ids);
    const b = run([...ids].reverse());
    expect([...a.links]).toEqual([...b.links]);
    expect(new Set(a.links.values()).size).toBe(1);
  });

  it('keeps a person id stable across syncs, even when the first identity seen is gone', () => {
    const first = run([
      { platform: 'dingtalk', userId: 'd1', employeeNo: 'E9' },
      { platform: 'feishu', userId: 'ou_9', employeeNo: 'E9' },
    ]);
    const person = personOf(first, 'dingtalk', 'd1')!;
    const second = run([{ platform: 'feishu', userId: 'ou_9', employeeNo: 'E9' }, { platform: 'wecom', userId: 'w9', employeeNo: 'E9' }], {
      previous: first.links,
    });
    expect(personOf(second, 'feishu', 'ou_9')).toBe(person);
    expect(personOf(second, 'wecom', 'w9')).toBe(person);
  });

  it('does not guess when keys point at two people: a conflict, and the identity stays its own person', () => {
    const r = run([
      { platform: 'feishu', userId: 'ou_a', employeeNo: 'E1' },
      { platform: 'feishu', userId: 'ou_b', mobile: '13900000002' },
      { platform: 'dingtalk', userId: 'd_x', employeeNo: 'E1', mobile: '13900000002' },
    ]);
    const dx = personOf(r, 'dingtalk', 'd_x');
    expect(dx).not.toBe(personOf(r, 'feishu', 'ou_a'));
    expect(dx).not.toBe(personOf(r, 'feishu', 'ou_b'));
    expect(r.issues).toContainEqual({
      kind: 'conflict',
      identity: { platform: 'dingtalk', userId: 'd_x' },
      matches: [
        { key: 'employeeNo', personId: personOf(r, 'feishu', 'ou_a') },
        { key: 'mobile', personId: personOf(r, 'feishu', 'ou_b') },
      ],
    });
  });

  it('refuses a second identity of one platform for a person', () => {
    const r = run([
      { platform: 'feishu', userId: 'ou_1', email: 'same@x.cn' },
      { platform: 'dingtalk', userId: 'd1', email: 'same@x.cn' },
      { platform: 'dingtalk', userId: 'd2', employeeNo: 'Q', email: 'other@x.cn' },
    ]);
    expect(personOf(r, 'dingtalk', 'd1')).toBe(personOf(r, 'feishu', 'ou_1'));
    // A new dingtalk identity with the same email, next sync: d1 already holds that person's dingtalk seat.
    const next = run(
      [
        { platform: 'feishu', userId: 'ou_1', email: 'same@x.cn', employeeNo: 'E1' },
        { platform: 'dingtalk', userId: 'd1', email: 'same@x.cn' },
        { platform: 'dingtalk', userId: 'd3', employeeNo: 'E1' },
      ],
      { previous: r.links },
    );
    expect(personOf(next, 'dingtalk', 'd3')).toBe('p-dingtalk-d3');
    expect(next.issues).toContainEqual({ kind: 'platform_taken', identity: { platform: 'dingtalk', userId: 'd3' }, personId: personOf(r, 'feishu', 'ou_1'), key: 'employeeNo', holder: 'd1' });
  });

  it('reports a platform_taken identity rather than adding it to the person', () => {
    const r = run([{ platform: 'feishu', userId: 'ou_1', employeeNo: 'E1' }, { platform: 'feishu', userId: 'ou_2', mobile: '13700000000' }], {
      previous: new Map([['feishu:ou_1', 'alice']]),
      fixed: new Map([['feishu:ou_2', 'alice']]),
    });
    // Both are held by alice from the file and the earlier sync; nothing new to link.
    expect(r.issues).toEqual([]);
    const taken = run(
      [
        { platform: 'feishu', userId: 'ou_1', employeeNo: 'E1' },
        { platform: 'dingtalk', userId: 'd1', employeeNo: 'E1' },
        { platform: 'dingtalk', userId: 'd2', employeeNo: 'E2', mobile: '13600000000' },
        { platform: 'feishu', userId: 'ou_3', mobile: '13600000000' },
      ],
      { previous: new Map([['feishu:ou_1', 'alice'], ['dingtalk:d1', 'alice'], ['feishu:ou_3', 'alice2']]), fixed: new Map([['dingtalk:d2', 'alice']]) },
    );
    expect(personOf(taken, 'dingtalk', 'd2')).toBe('alice');
    expect(personOf(taken, 'feishu', 'ou_3')).toBe('alice2');
    const late = run(
      [
        { platform: 'feishu', userId: 'ou_1', employeeNo: 'E1' },
        { platform: 'dingtalk', userId: 'd1', employeeNo: 'E1' },
        { platform: 'dingtalk', userId: 'd9', mobile: '13500000000' },
        { platform: 'feishu', userId: 'ou_1b', employeeNo: 'X', mobile: '13500000000' },
      ],
      { previous: new Map([['feishu:ou_1', 'alice'], ['dingtalk:d1', 'alice'], ['dingtalk:d9', 'bob']]) },
    );
    expect(personOf(late, 'feishu', 'ou_1b')).toBe('bob');
    const clash = run(
      [
        { platform: 'feishu', userId: 'ou_1', employeeNo: 'E1' },
        { platform: 'dingtalk', userId: 'd1', employeeNo: 'E1' },
        { platform: 'dingtalk', userId: 'd2', employeeNo: 'E1-new', mobile: '13100000000' },
        { platform: 'feishu', userId: 'ou_z', mobile: '13100000000', employeeNo: 'E1b' },
      ],
      { previous: new Map([['feishu:ou_1', 'alice'], ['dingtalk:d1', 'alice'], ['feishu:ou_z', 'zed']]), fixed: new Map() },
    );
    expect(personOf(clash, 'dingtalk', 'd2')).toBe('zed');
    const holderClash = run(
      [
        { platform: 'feishu', userId: 'ou_1', employeeNo: 'E1' },
        { platform: 'dingtalk', userId: 'd1', employeeNo: 'E1' },
        { platform: 'dingtalk', userId: 'd2', employeeNo: 'E1x', email: 'alice@x.cn' },
        { platform: 'feishu', userId: 'ou_2', email: 'alice@x.cn' },
      ],
      { previous: new Map([['feishu:ou_1', 'alice'], ['dingtalk:d1', 'alice'], ['feishu:ou_2', 'alice']]) },
    );
    expect(personOf(holderClash, 'dingtalk', 'd2')).toBe('p-dingtalk-d2');
    expect(holderClash.issues).toContainEqual({ kind: 'platform_taken', identity: { platform: 'dingtalk', userId: 'd2' }, personId: 'alice', key: 'email', holder: 'd1' });
  });

  it('lets a key value shared by two identities of one platform link nobody, and says so', () => {
    const r = run([
      { platform: 'feishu', userId: 'ou_1', employeeNo: 'DUP' },
      { platform: 'feishu', userId: 'ou_2', employeeNo: 'DUP' },
      { platform: 'dingtalk', userId: 'd1', employeeNo: 'DUP' },
    ]);
    expect(new Set([personOf(r, 'feishu', 'ou_1'), personOf(r, 'feishu', 'ou_2'), personOf(r, 'dingtalk', 'd1')]).size).toBe(3);
    expect(r.issues).toContainEqual({ kind: 'duplicate_key', platform: 'feishu', key: 'employeeNo', userIds: ['ou_1', 'ou_2'] });
    expect(r.issues.filter((i) => i.kind === 'unlinked').map((i) => ('identity' in i ? identityKey(i.identity) : ''))).toEqual(['dingtalk:d1', 'feishu:ou_1', 'feishu:ou_2']);
  });

  it('lists people known on one platform only when several are synced, with why', () => {
    const r = run([
      { platform: 'feishu', userId: 'ou_1', employeeNo: 'E1' },
      { platform: 'dingtalk', userId: 'd1', employeeNo: 'E1' },
      { platform: 'feishu', userId: 'ou_2' },
      { platform: 'dingtalk', userId: 'd3', email: 'nobody@x.cn' },
    ]);
    expect(r.issues).toEqual([
      { kind: 'unlinked', identity: { platform: 'dingtalk', userId: 'd3' }, personId: 'p-dingtalk-d3', reason: 'no_match' },
      { kind: 'unlinked', identity: { platform: 'feishu', userId: 'ou_2' }, personId: 'p-feishu-ou_2', reason: 'no_keys' },
    ]);
    expect(run([{ platform: 'feishu', userId: 'ou_2' }]).issues).toEqual([]);
  });

  it('follows the configured keys only', () => {
    const ids: Identity[] = [
      { platform: 'feishu', userId: 'ou_1', mobile: '13800000009' },
      { platform: 'wecom', userId: 'w1', mobile: '13800000009' },
    ];
    expect(new Set(run(ids).links.values()).size).toBe(1);
    expect(new Set(run(ids, { keys: ['employeeNo', 'email'] }).links.values()).size).toBe(2);
  });

  it('compares mobiles by digits without the country prefix and emails case-folded', () => {
    expect(normaliseKey('mobile', '+86 138 0000 0001')).toBe('13800000001');
    expect(normaliseKey('mobile', '0086-13800000001')).toBe('13800000001');
    expect(normaliseKey('mobile', '+1 415 555 0100')).toBe('14155550100');
    expect(normaliseKey('email', ' Li.Na@Corp.CN ')).toBe('li.na@corp.cn');
    expect(normaliseKey('employeeNo', '  ')).toBeUndefined();
  });
});

describe('linking, for any company', () => {
  const identity = fc.record({
    platform: fc.constantFrom('feishu' as const, 'dingtalk' as const, 'wecom' as const),
    userId: fc.stringMatching(/^u[0-9]{1,2}$/),
    employeeNo: fc.option(fc.constantFrom('E1', 'E2', 'E3', 'E4'), { nil: undefined }),
    mobile: fc.option(fc.constantFrom('13800000001', '13800000002', '13800000003'), { nil: undefined }),
    email: fc.option(fc.constantFrom('a@x.cn', 'b@x.cn'), { nil: undefined }),
  });
  const company = fc.uniqueArray(identity, { selector: (i) => `${i.platform}:${i.userId}`, maxLength: 14 });

  it('never gives a person two identities of one platform, and does not depend on order', () => {
    fc.assert(
      fc.property(company, fc.integer(), (ids, seed) => {
        const r = run(ids);
        const seats = new Set<string>();
        for (const [key, personId] of r.links) {
          const seat = `${personId}|${key.slice(0, key.indexOf(':'))}`;
          expect(seats.has(seat)).toBe(false);
          seats.add(seat);
        }
        const shuffled = [...ids].sort((a, b) => ((a.userId.charCodeAt(1) * 31 + seed) % 7) - ((b.userId.charCodeAt(1) * 31 + seed) % 7));
        expect(new Map(run(shuffled).links)).toEqual(r.links);
        expect(r.links.size).toBe(ids.length);
      }),
    );
  });

  it('keeps every person id when the same company is synced again with the links it produced', () => {
    fc.assert(
      fc.property(company, (ids) => {
        const first = run(ids);
        expect(run(ids, { previous: first.links }).links).toEqual(first.links);
      }),
    );
  });
});
