// Rules over a whole payload that every entry path applies alike — card forms, the API and the
// dialogs: each value within its kind's bounds, planned times not in the past (futureOnly), an
// end after its start. Messages in the reader's language, per field, all at once.
import { t } from '../i18n/index.js';
import { fieldKind } from './registry.js';
import { futureOnly, pairOf } from './pairs.js';
import { fieldLabel } from './spec.js';
import { endBeforeStartMessage, isPast, pastMessage, type RuleContext } from './time-rules.js';
import type { RequestTypeDef } from './types.js';

/**
 * The problems of a payload's values, by field key: a value outside its kind's schema, a
 * planned time in the past, an end not after its start. Fields without a value are left to
 * the caller (required or not).
 */
export function payloadProblems(def: RequestTypeDef, payload: Readonly<Record<string, unknown>>, ctx: RuleContext): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const spec of def.fields) {
    const value = payload[spec.key];
    if (value === undefined || value === null || value === '') continue;
    const checked = fieldKind(spec.kind).schema(spec, ctx.locale).safeParse(value);
    if (!checked.success) {
      problems[spec.key] = t(ctx.locale, 'text.label_value', { label: fieldLabel(spec, ctx.locale), value: checked.error.issues[0]?.message ?? '' });
      continue;
    }
    if (futureOnly(def, spec) && typeof value === 'string' && isPast(value, ctx.now)) problems[spec.key] = pastMessage(value, ctx);
  }
  for (const spec of def.fields) {
    const pair = pairOf(def, spec.key);
    if (!pair || pair.end !== spec || problems[pair.start.key] || problems[pair.end.key]) continue;
    const start = payload[pair.start.key];
    const end = payload[pair.end.key];
    if (typeof start === 'string' && typeof end === 'string' && Date.parse(end) <= Date.parse(start)) problems[spec.key] = endBeforeStartMessage(end, start, spec, ctx);
  }
  return problems;
}
