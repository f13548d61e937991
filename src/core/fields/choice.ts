// One of the field's declared options.
import { z } from 'zod';
import { t } from '../i18n/index.js';
import { parseChoice } from '../parse/index.js';
import type { FieldKind } from './kind.js';

export const choice: FieldKind = {
  name: 'choice',
  schema: (spec) => z.enum((spec.options ?? []).map((o) => o.value) as [string, ...string[]]),
  read(spec, text) {
    const r = parseChoice(text, spec.options ?? []);
    return r.ok ? { ok: true, value: { value: r.value, unsure: [] } } : r;
  },
  format: (spec, value) => spec.options?.find((o) => o.value === value)?.label ?? String(value),
  input: 'select',
  wide: false,
  choose: true,
  hint: (spec, _def, locale) => [t(locale, 'field.choice.hint'), ...(spec.options ?? []).map((o, i) => `${i + 1}. ${o.label}`)].join('\n'),
  check: (spec) => (spec.options?.length ? undefined : { path: 'options', message: 'a choice needs options' }),
};
