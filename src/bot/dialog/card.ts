// The confirmation card of a dialog: every field with its value formatted, and the buttons
// 提交 / 修改 / 取消. Built from the neutral card model so every channel renders it; where a
// platform shows no buttons (or only a few fields) the footer names the text commands.
import type { ActionValue, Card } from '../../../cards/model.js';
import type { RequestTypeDef } from '../../core/request-types.js';
import { clip, displayValue, label } from './fields.js';
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
  const en = env.locale === 'en';
  const action = (step: string): ActionValue => ({ a: DIALOG_ACTION, s: step, t: cardToken(s) });
  const typeName = en ? def.nameEn : def.name;
  return {
    kind: 'dialog',
    title: s.mode === 'resubmit' ? (en ? `Resubmit: ${typeName} ${s.number ?? ''}`.trim() : `重新提交：${typeName} ${s.number ?? ''}`.trim()) : en ? `Please confirm: ${typeName}` : `请确认：${typeName}`,
    status: { text: en ? 'Not submitted yet' : '待确认，尚未提交', tone: 'info' },
    fields: def.fields.map((f) => ({
      label: label(f, en),
      value: clip(displayValue(f, s.values[f.key], env.timezone, en), CARD_VALUE_MAX),
      wide: f.kind === 'longtext' || f.kind === 'budget',
    })),
    buttons: [
      { label: s.mode === 'resubmit' ? (en ? 'Resubmit' : '重新提交') : en ? 'Submit' : '提交', style: 'primary', action: action('submit') },
      { label: en ? 'Edit' : '修改', style: 'default', action: action('edit') },
      { label: en ? 'Cancel' : '取消', style: 'danger', action: action('cancel') },
    ],
    footer: en ? 'Or reply: confirm · edit <field> · cancel' : '也可以直接回复：确认｜修改 字段名｜取消',
  };
}

/**
 * The same values as short text lines, for platforms whose cards show only a few fields
 * (WeCom: six). Values are cut so the whole list fits one text message (WeCom: 2048 bytes).
 */
export function confirmationText(def: RequestTypeDef, s: DialogSession, env: DialogEnv, valueMax = 20): string {
  const en = env.locale === 'en';
  return def.fields.map((f, i) => `${i + 1}. ${label(f, en)}${en ? ': ' : '：'}${clip(displayValue(f, s.values[f.key], env.timezone, en).replace(/\s+/g, ' '), valueMax)}`).join('\n');
}
