// A field's value as people read it, in their locale: on a card (`showValue`) and read back in
// a chat (`readBackValue`), each kind's own way.
import { t } from '../i18n/index.js';
import type { FieldSpec } from './types.js';
import type { ShowContext } from './kind.js';
import { fieldKind } from './registry.js';

const empty = (value: unknown) => value === undefined || value === null || value === '';

/** A value on a card; '—' when there is none. */
export function showValue(spec: FieldSpec, value: unknown, ctx: ShowContext): string {
  return empty(value) ? '—' : fieldKind(spec.kind).format(spec, value, ctx);
}

/** A value read back in a chat (acknowledgements, the dialog's confirmation). */
export function readBackValue(spec: FieldSpec, value: unknown, ctx: ShowContext): string {
  if (empty(value)) return t(ctx.locale, 'field.not_filled');
  const kind = fieldKind(spec.kind);
  return (kind.readBack ?? kind.format)(spec, value, ctx);
}

/** Long values (several lines, itemised lists) span the card's width. */
export const isWide = (spec: FieldSpec): boolean => fieldKind(spec.kind).wide;
