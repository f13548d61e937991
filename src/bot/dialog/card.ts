// The confirmation card of a dialog: every field with its value formatted, and the buttons
// 提交 / 修改 / 取消. Built from the neutral card model so every channel renders it; where a
// platform shows no buttons (or only a few fields) the footer names the text commands.
import type { ActionValue, Card } from '../../../cards/model.js';
import { fieldLabel, isWide, readBackValue, typeName } from '../../core/fields/index.js';
import { t } from '../../core/messages.js';
import type { RequestTypeDef } from '../../core/request-types.js';
import { askedFields, clip } from './fields.js';
import type { DialogEnv, DialogSession } from './types.js';

/**
 * The action value of the dialog's buttons: `{a: 'dialog', s: <button>, t: <card token>}`. The
 * token (session id + revision) names the card; there is no `r`, as the card belongs to no
 * request yet (renderers treat `r` as a request id).
 */
export const DIALOG_ACTION = 'dialog';
export const cardToken = (s: DialogSession) => `${s.id}.${s.rev}`;

/** Long values are cut on the card (the payload keeps them whole): card sizes are limited. */
const CARD_VALUE_MAX = 500;

export function confirmationCard(def: RequestTypeDef, s: DialogSession, env: DialogEnv): Card {
  const loc = env.locale;
  const shown = { locale: loc, timezone: env.timezone };
  const action = (step: string): ActionValue => ({ a: DIALOG_ACTION, s: step, t: cardToken(s) });
  const type = typeName(def, loc);
  const resubmit = s.mode === 'resubmit';
  return {
    kind: 'dialog',
    title: resubmit ? t(loc, 'confirm.title_resubmit', { type, number: s.number ?? '' }).trim() : t(loc, 'confirm.title', { type }),
    status: { text: t(loc, 'confirm.status'), tone: 'info' },
    fields: shownFields(def, s).map((f) => ({
      label: fieldLabel(f, loc),
      value: clip(readBackValue(f, s.values[f.key], shown), CARD_VALUE_MAX),
      wide: isWide(f),
    })),
    buttons: [
      { label: t(loc, resubmit ? 'confirm.resubmit' : 'confirm.submit'), style: 'primary', action: action('submit') },
      { label: t(loc, 'confirm.edit'), style: 'default', action: action('edit') },
      { label: t(loc, 'confirm.cancel'), style: 'danger', action: action('cancel') },
    ],
    footer: t(loc, 'confirm.footer'),
  };
}

/**
 * The confirmation card once its dialog ended by a click on it: the same values, what became of
 * them (submitted as `number`, or cancelled), and no buttons — for everyone who sees the card.
 */
export function settledCard(def: RequestTypeDef, s: DialogSession, env: DialogEnv, outcome: { number: string } | 'cancelled'): Card {
  const card = confirmationCard(def, s, env);
  const loc = env.locale;
  const status =
    outcome === 'cancelled'
      ? { text: t(loc, 'confirm.status_cancelled'), tone: 'neutral' as const }
      : { text: t(loc, s.mode === 'resubmit' ? 'confirm.status_resubmitted' : 'confirm.status_submitted', { number: outcome.number }), tone: 'approved' as const };
  const { footer: _footer, ...rest } = card;
  return { ...rest, status, buttons: [] };
}

/**
 * The same values as short text lines, for platforms whose cards show only a few fields
 * (WeCom: six). Values are cut so the whole list fits one text message (WeCom: 2048 bytes).
 */
/** The fields a confirmation lists: the asked ones, and optional files fields once they hold files. */
const shownFields = (def: RequestTypeDef, s: DialogSession) => def.fields.filter((f) => askedFields(def).includes(f) || s.values[f.key] !== undefined);

export function confirmationText(def: RequestTypeDef, s: DialogSession, env: DialogEnv, valueMax = 20): string {
  const loc = env.locale;
  const shown = { locale: loc, timezone: env.timezone };
  return shownFields(def, s)
    .map((f, i) => t(loc, 'confirm.line', { n: i + 1, name: fieldLabel(f, loc), value: clip(readBackValue(f, s.values[f.key], shown).replace(/\s+/g, ' '), valueMax) }))
    .join('\n');
}
