// Datetime fields that belong together (an event's start and end) and those that may not lie
// in the past: the card forms and the dialogs read them alike.
import type { FieldSpec, RequestTypeDef } from './types.js';

export interface Pair {
  start: FieldSpec;
  end: FieldSpec;
}

/** `start`/`end`, or `<x>Start`/`<x>End`, both datetime fields of the type. */
export function pairOf(def: RequestTypeDef, key: string): Pair | undefined {
  const dt = (k: string) => def.fields.find((f) => f.key === k && f.kind === 'datetime');
  let startKey: string | undefined;
  let endKey: string | undefined;
  if (key === 'start' || key === 'end') [startKey, endKey] = ['start', 'end'];
  else if (key.endsWith('Start')) [startKey, endKey] = [key, `${key.slice(0, -5)}End`];
  else if (key.endsWith('End')) [startKey, endKey] = [`${key.slice(0, -3)}Start`, key];
  const start = startKey ? dt(startKey) : undefined;
  const end = endKey ? dt(endKey) : undefined;
  return start && end ? { start, end } : undefined;
}

/**
 * Whether a datetime field may lie in the past. The ends of a start/end pair (the event's
 * time) and planned times (计划…, 预计…) may not; other datetime fields (e.g. a date when
 * something happened) may.
 */
export function futureOnly(def: RequestTypeDef, spec: FieldSpec): boolean {
  return spec.kind === 'datetime' && (!!pairOf(def, spec.key) || /计划|预计|plann?ed/i.test(`${spec.label} ${spec.labelEn}`));
}
