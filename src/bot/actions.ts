// Maps a card button's action value (+ form inputs) to a core action. Shared by the ingest
// pre-check and the inbound worker, so both judge a click the same way.
import type { ActionValue } from '../../cards/model.js';
import type { Action } from '../core/model.js';

export function toCoreAction(v: ActionValue, form: Record<string, string> = {}): Action | undefined {
  const text = (k: string) => (form[k] ?? '').trim();
  const stepId = v.s ?? '';
  switch (v.a) {
    case 'approve':
      return { type: 'approve', stepId, ...(text('comment') ? { comment: text('comment') } : {}) };
    case 'reject':
      return { type: 'reject', stepId, reason: text('reason') };
    case 'return':
      return { type: 'return', stepId, reason: text('reason') };
    case 'transfer':
      return { type: 'transfer', stepId, to: text('to'), ...(text('comment') ? { comment: text('comment') } : {}) };
    case 'add_signer':
      return {
        type: 'add_signer',
        stepId,
        signers: text('signers').split(/[\s,，、]+/).filter(Boolean),
        position: text('position') === 'after' ? 'after' : 'before',
        ...(text('comment') ? { comment: text('comment') } : {}),
      };
    case 'withdraw':
      return { type: 'withdraw', ...(text('reason') ? { reason: text('reason') } : {}) };
    case 'comment':
      return { type: 'comment', text: text('comment') };
    default:
      return undefined;
  }
}
