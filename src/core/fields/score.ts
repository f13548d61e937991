// A score from 0 to the field's `max` (100 unless declared).
import { z } from 'zod';
import { t } from '../i18n/index.js';
import { parseNumberText } from '../parse/index.js';
import { normalizeInput } from '../parse/types.js';
import type { FieldSpec } from './types.js';
import type { FieldKind } from './kind.js';

const maxOf = (spec: FieldSpec) => spec.max ?? 100;
const sample = (spec: FieldSpec) => Math.round(maxOf(spec) * 0.8);

export const score: FieldKind = {
  name: 'score',
  schema: (spec) => z.number().min(0).max(maxOf(spec)),
  read(spec, text) {
    // Digits or Chinese numerals (三十五, 八十五分), as headcounts are read.
    const bare = normalizeInput(text).replace(/\s+/g, '').replace(/分$/, '');
    const n = /^\d+(?:\.\d+)?$/.test(bare) ? Number(bare) : (parseNumberText(bare) ?? NaN);
    const max = maxOf(spec);
    if (Number.isFinite(n) && n >= 0 && n <= max) return { ok: true, value: { value: n, unsure: [] } };
    const params = { max, example: sample(spec) };
    return { ok: false, error: t('zh-CN', 'field.score.invalid', params), errorEn: t('en', 'field.score.invalid', params) };
  },
  format: (_spec, value) => String(value),
  readBack: (_spec, value, ctx) => t(ctx.locale, 'field.score.value', { n: String(value) }),
  input: 'number',
  wide: false,
  hint: (spec, _def, locale) => t(locale, 'field.score.hint', { max: maxOf(spec), example: spec.example ?? sample(spec) }),
};
