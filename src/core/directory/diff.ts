// Who left and who moved between two versions of the organisation: the input of the hand-over
// of open tasks (leavers and movers). Pure; people are compared by id.

export interface PeopleDiff {
  /** People in the previous organisation who are not in the new one. */
  left: string[];
  /** People whose department changed. */
  moved: { personId: string; fromDept: string; toDept: string }[];
}

export function diffPeople(previous: ReadonlyArray<{ id: string; dept: string }>, next: ReadonlyArray<{ id: string; dept: string }>): PeopleDiff {
  const now = new Map(next.map((p) => [p.id, p.dept]));
  const left: string[] = [];
  const moved: PeopleDiff['moved'] = [];
  for (const p of previous) {
    const dept = now.get(p.id);
    if (dept === undefined) left.push(p.id);
    else if (dept !== p.dept) moved.push({ personId: p.id, fromDept: p.dept, toDept: dept });
  }
  return { left: left.sort(), moved: moved.sort((a, b) => a.personId.localeCompare(b.personId)) };
}

export const isEmptyDiff = (d: PeopleDiff): boolean => d.left.length === 0 && d.moved.length === 0;

/**
 * A diff with the organisation it was taken from: leavers are no longer in the new one, so
 * their department and name (and the parents of departments that are gone) come from here.
 */
export interface PeopleChange extends PeopleDiff {
  previous: {
    people: ReadonlyArray<{ id: string; dept: string; name?: string }>;
    departments: ReadonlyArray<{ id: string; parent?: string | undefined }>;
  };
}
