// A card form's submission (submit, or resubmit of a returned request), judged in one place for
// the inbound worker and for receivers that answer the submitter at once (the simulator): every
// field's error together, and success only once the request exists.
import { formCard, isUrgent } from '../../cards/form.js';
import type { ActionValue, Card } from '../../cards/model.js';
import { parseForm, type FormErrors } from '../core/form-input.js';
import type { Payload } from '../core/fields/types.js';
import { t, type Locale } from '../core/messages.js';
import type { MessageIntent, Origin, RequestState } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Approvals } from '../services/approvals.js';

export interface FormSubmitDeps {
  approvals: Pick<Approvals, 'submit' | 'act'>;
  dir: Directory;
  locale: Locale;
  now: () => Date;
}

export type FormSubmitOutcome =
  | { ok: true; state: RequestState; resubmitted: boolean; duplicate: boolean; message: MessageIntent }
  | { ok: false; message: MessageIntent; fields?: FormErrors };

/** Whether a card action submits a form (a new request or a returned one's resubmission). */
export const submitsForm = (v: ActionValue): boolean => v.a === 'submit' || v.a === 'resubmit';

type FormReading = { ok: true; payload: Payload } | { ok: false; message: MessageIntent; fields?: FormErrors };

/** The form read against its request type: the payload, or why not (every field's error at once). */
function readForm(deps: Pick<FormSubmitDeps, 'dir' | 'locale' | 'now'>, v: ActionValue, form: Readonly<Record<string, string>>): FormReading {
  const { dir, locale } = deps;
  const type = v.t ?? '';
  const def = dir.requestType(type);
  if (!def) return { ok: false, message: { key: 'refuse.unknown_type', params: { type } } };
  const { payload, errors } = parseForm(def, form, { now: deps.now(), timezone: dir.timezone, locale });
  const problems = Object.values(errors);
  if (!problems.length) return { ok: true, payload };
  return { ok: false, fields: errors, message: { key: 'refuse.invalid_form', params: { problems: problems.join(t(locale, 'commands.form_problems_sep')) } } };
}

/**
 * A receiver's answer to a form its fields refuse, before anything is queued: the same form card
 * with the values as submitted and each field's error beside it (platforms whose click answer
 * can replace the card show it at once). Undefined when the fields are fine — the worker then
 * submits, and may still refuse on what only it knows (an approver missing, a duplicate).
 */
export function refusedFormCard(deps: Pick<FormSubmitDeps, 'dir' | 'locale' | 'now'>, v: ActionValue, form: Readonly<Record<string, string>>): { card: Card; fields: number } | undefined {
  const read = readForm(deps, v, form);
  const def = deps.dir.requestType(v.t ?? '');
  if (read.ok || !read.fields || !def) return undefined;
  return { card: formCard(def, deps.locale, form, v.a === 'resubmit' ? v.r : undefined, read.fields), fields: Object.keys(read.fields).length };
}

/**
 * Parse the form and submit it as `personId`, keyed by `idempotencyKey` (a retry finds the
 * request the first created). Refused: the message, and each field's error when the form was wrong.
 */
export async function submitForm(
  deps: FormSubmitDeps,
  v: ActionValue,
  form: Readonly<Record<string, string>>,
  actor: { personId: string; platform: Origin },
  idempotencyKey: string,
): Promise<FormSubmitOutcome> {
  const read = readForm(deps, v, form);
  if (!read.ok) return read;
  const { payload } = read;
  const type = v.t ?? '';
  if (v.a === 'resubmit') {
    const result = await deps.approvals.act(v.r ?? '', { type: 'resubmit', payload }, actor, idempotencyKey);
    if (!result.ok) return { ok: false, message: result.message };
    return { ok: true, state: result.state, resubmitted: true, duplicate: result.duplicate ?? false, message: { key: 'dialog.resubmitted', params: { number: result.state.number } } };
  }
  const result = await deps.approvals.submit({ applicantId: actor.personId, type, payload, platform: actor.platform, idempotencyKey, urgent: isUrgent(form) });
  if (!result.ok) return { ok: false, message: result.message };
  return { ok: true, state: result.state, resubmitted: false, duplicate: result.duplicate, message: { key: 'request.submitted', params: { number: result.state.number } } };
}
