// The field kinds by name. A request type's field names its kind; everything done with a
// value asks the kind found here. A new kind is one module registered below (or, in a test
// or a plug-in, with registerFieldKind).
import type { FieldSpec, RequestTypeDef } from './types.js';
import { attachments } from './attachments.js';
import { budget } from './budget.js';
import { choice } from './choice.js';
import { count } from './count.js';
import { datetime } from './datetime.js';
import type { FieldKind } from './kind.js';
import { longtext } from './longtext.js';
import { money } from './money.js';
import { requestRef } from './request-ref.js';
import { score } from './score.js';
import { text } from './text.js';

/** The built-in kinds, in the order the organisation file's documentation lists them. */
export const FIELD_KINDS = ['text', 'longtext', 'datetime', 'money', 'count', 'choice', 'budget', 'score', 'requestRef', 'attachments'] as const;

const kinds = new Map<string, FieldKind>([text, longtext, datetime, money, count, choice, budget, score, requestRef, attachments].map((k) => [k.name, k]));

export function registerFieldKind(kind: FieldKind): void {
  kinds.set(kind.name, kind);
}

export const isFieldKind = (name: string): boolean => kinds.has(name);

/** Every registered kind's name. */
export const fieldKindNames = (): string[] => [...kinds.keys()];

export function fieldKind(name: string): FieldKind {
  const kind = kinds.get(name);
  if (!kind) throw new Error(`unknown field kind "${name}"`);
  return kind;
}

/** The field holding the number of the request this one follows up (a summary's event), if any. */
export const refField = (def: RequestTypeDef): FieldSpec | undefined => def.fields.find((f) => fieldKind(f.kind).refersToRequest);
