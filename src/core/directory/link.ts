// One person across platforms: which platform identities are the same human. Pure: the
// caller passes what the platforms said, the links kept from earlier syncs and the explicit
// overrides, and gets the links plus every case it would not decide. Nothing is guessed: an
// identity whose keys point at two people, or at someone who already has an identity on that
// platform, stays a person of its own and is listed for an admin.

export const LINK_KEYS = ['employeeNo', 'mobile', 'email'] as const;
export type LinkKey = (typeof LINK_KEYS)[number];

/** One platform identity with the keys it offers for linking. */
export interface Identity {
  platform: string;
  userId: string;
  employeeNo?: string;
  mobile?: string;
  email?: string;
}

export type LinkIssue =
  /** Its keys match more than one person: {key: personIds}. */
  | { kind: 'conflict'; identity: IdentityRef; matches: { key: LinkKey; personId: string }[] }
  /** Its keys match a person who already has another identity on the same platform. */
  | { kind: 'platform_taken'; identity: IdentityRef; personId: string; key: LinkKey; holder: string }
  /** Two identities of one platform share a key value: that value links nobody. */
  | { kind: 'duplicate_key'; platform: string; key: LinkKey; userIds: string[] }
  /** Several platforms are synced but this person is known on one only. */
  | { kind: 'unlinked'; identity: IdentityRef; personId: string; reason: 'no_keys' | 'no_match' };

export interface IdentityRef {
  platform: string;
  userId: string;
}

export interface LinkInput {
  /** Keys to link by, in order of trust (default employee number, mobile, email). */
  keys: readonly LinkKey[];
  /** Every identity the platforms currently report. */
  identities: readonly Identity[];
  /** Links from the organisation file: always win, never reported. `platform:userId` → person. */
  fixed: ReadonlyMap<string, string>;
  /**
   * Links kept from earlier syncs: an identity keeps its person (ids are stable). Leave out the
   * identities last reported as `conflict` or `platform_taken`, so fixed data links them again.
   */
  previous: ReadonlyMap<string, string>;
  /** The id of a new person first seen as this identity (deterministic, so replicas agree). */
  newPersonId: (identity: IdentityRef) => string;
}

export interface LinkResult {
  /** `platform:userId` → person id, for every identity given. */
  links: Map<string, string>;
  issues: LinkIssue[];
}

export const identityKey = (i: IdentityRef): string => `${i.platform}:${i.userId}`;

/** A key value as compared: mobiles by their digits without a +86 / 0086 prefix, emails case-folded. */
export function normaliseKey(key: LinkKey, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let v = value.trim();
  if (key === 'mobile') v = v.replace(/\D/g, '').replace(/^(0086|86)(?=1\d{10}$)/, '');
  if (key === 'email') v = v.toLowerCase();
  return v === '' ? undefined : v;
}

/** Links every identity to a person. Deterministic for the same input, whatever its order. */
export function linkIdentities(input: LinkInput): LinkResult {
  const { keys } = input;
  const identities = [...input.identities].sort((a, b) => identityKey(a).localeCompare(identityKey(b)));
  const platforms = new Set(identities.map((i) => i.platform));
  const issues: LinkIssue[] = [];

  // A key value two identities of one platform share identifies neither.
  const ambiguous = new Set<string>();
  for (const key of keys) {
    const seen = new Map<string, string[]>();
    for (const i of identities) {
      const v = normaliseKey(key, i[key]);
      if (v === undefined) continue;
      const slot = `${i.platform}|${v}`;
      seen.set(slot, [...(seen.get(slot) ?? []), i.userId]);
    }
    for (const [slot, userIds] of seen) {
      if (userIds.length < 2) continue;
      ambiguous.add(`${key}|${slot}`);
      issues.push({ kind: 'duplicate_key', platform: slot.slice(0, slot.indexOf('|')), key, userIds });
    }
  }
  const usableKey = (i: Identity, key: LinkKey): string | undefined => {
    const v = normaliseKey(key, i[key]);
    return v === undefined || ambiguous.has(`${key}|${i.platform}|${v}`) ? undefined : v;
  };

  const links = new Map<string, string>();
  /** person → the platforms it already holds (from the file and earlier syncs) → userId. */
  const holders = new Map<string, Map<string, string>>();
  const hold = (i: Identity, personId: string) => {
    links.set(identityKey(i), personId);
    const held = holders.get(personId) ?? new Map<string, string>();
    if (!held.has(i.platform)) held.set(i.platform, i.userId);
    holders.set(personId, held);
  };

  // Fixed links first, then the ones kept from earlier syncs: a person's id never moves.
  const rest: Identity[] = [];
  for (const i of identities) {
    const known = input.fixed.get(identityKey(i)) ?? input.previous.get(identityKey(i));
    if (known !== undefined) hold(i, known);
    else rest.push(i);
  }

  // Components of "shares a key value": known people and new identities are the nodes. Working
  // on whole components (not one identity after another) makes the outcome independent of order.
  const nodeOf = (i: Identity) => {
    const personId = links.get(identityKey(i));
    return personId === undefined ? `I:${identityKey(i)}` : `P:${personId}`;
  };
  const sets = new UnionFind();
  const sharing = new Map<string, Identity[]>();
  for (const key of keys) {
    for (const i of identities) {
      const v = usableKey(i, key);
      if (v !== undefined) sharing.set(`${key}|${v}`, [...(sharing.get(`${key}|${v}`) ?? []), i]);
    }
  }
  for (const group of sharing.values()) for (const other of group.slice(1)) sets.union(nodeOf(group[0]!), nodeOf(other));

  const components = new Map<string, Identity[]>();
  for (const i of rest) {
    const root = sets.find(nodeOf(i));
    components.set(root, [...(components.get(root) ?? []), i]);
  }
  const knownIn = new Map<string, Set<string>>();
  for (const [personId] of holders) {
    const root = sets.find(`P:${personId}`);
    knownIn.set(root, (knownIn.get(root) ?? new Set()).add(personId));
  }

  const unsettled: Identity[] = [];
  for (const [root, members] of components) {
    const persons = [...(knownIn.get(root) ?? [])];
    const seats = [...members.map((i) => i.platform), ...persons.flatMap((p) => [...holders.get(p)!.keys()])];
    if (persons.length <= 1 && new Set(seats).size === seats.length) {
      const personId = persons[0] ?? input.newPersonId(members[0]!);
      for (const i of members) hold(i, personId);
    } else {
      for (const i of members) hold(i, input.newPersonId(i));
      unsettled.push(...members);
    }
  }

  // Say why each unsettled identity stands alone, naming the people its keys point at.
  for (const i of unsettled) {
    const ref = { platform: i.platform, userId: i.userId };
    const matches: { key: LinkKey; personId: string }[] = [];
    for (const key of keys) {
      const v = usableKey(i, key);
      if (v === undefined) continue;
      const found = new Set((sharing.get(`${key}|${v}`) ?? []).filter((o) => o !== i).map((o) => links.get(identityKey(o))!));
      for (const personId of [...found].sort()) matches.push({ key, personId });
    }
    const persons = new Set(matches.map((m) => m.personId));
    const holder = holders.get(matches[0]?.personId ?? '')?.get(i.platform);
    if (persons.size === 1 && holder !== undefined && holder !== i.userId) issues.push({ kind: 'platform_taken', identity: ref, personId: matches[0]!.personId, key: matches[0]!.key, holder });
    else issues.push({ kind: 'conflict', identity: ref, matches });
  }

  const unsettledKeys = new Set(unsettled.map(identityKey));
  if (platforms.size > 1) {
    for (const i of identities) {
      const personId = links.get(identityKey(i))!;
      if ((holders.get(personId)?.size ?? 0) > 1 || input.fixed.has(identityKey(i))) continue;
      if (unsettledKeys.has(identityKey(i))) continue;
      const hasKeys = keys.some((key) => usableKey(i, key) !== undefined);
      issues.push({ kind: 'unlinked', identity: { platform: i.platform, userId: i.userId }, personId, reason: hasKeys ? 'no_match' : 'no_keys' });
    }
  }
  return { links, issues };
}

/** Disjoint sets over string nodes, with path halving. */
class UnionFind {
  private readonly parent = new Map<string, string>();

  find(x: string): string {
    let node = x;
    for (let p = this.parent.get(node); p !== undefined && p !== node; p = this.parent.get(node)) {
      const grand = this.parent.get(p) ?? p;
      this.parent.set(node, grand);
      node = grand;
    }
    return node;
  }

  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller root wins, so the result does not depend on the order of unions.
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
}
