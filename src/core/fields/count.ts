// A number of people.
import { z } from 'zod';
import { t } from '../i18n/index.js';
import { parseCount } from '../parse/index.js';
import type { FieldKind } from './kind.js';

export const count: FieldKind = {
  name: 'count',
  schema: () => z.number().int().positive().max(1e6),
  read(_spec, text) {
    const r = parseCount(text);
    return r.ok ? { ok: true, value: { value: r.value, unsure: [] } } : r;
  },
  format: (_spec, value, ctx) => t(ctx.locale, 'field.count.value', { n: String(value) }),
  input: 'number',
  wide: false,
  hint: (spec, _def, locale) => t(locale, 'field.count.hint', { example: spec.example ?? '80' }),
};
