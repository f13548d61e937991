// The inbound worker: routes a normalised event to the approval service (card clicks, card
// forms) or to the command handler (text). Replies go out through the delivery queues with
// job ids derived from the event, so a retried job never replies twice.
import type { Logger } from 'pino';
import { DELEGATE_FORM_ACTION } from '../../cards/delegation-form.js';
import { capabilitiesOf } from '../channels/capabilities.js';
import { addressedToBot, type InboundCardAction, type InboundEvent, type InboundMessage } from '../channels/inbound.js';
import type { Locale } from '../core/messages.js';
import type { MessageIntent } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Person } from '../org/schema.js';
import type { DeliveryQueues } from '../queue/queues.js';
import { jobId, type InboundItem, type Target } from '../queue/jobs.js';
import type { Approvals } from '../services/approvals.js';
import { toCoreAction } from './actions.js';
import type { Commands, Reply } from './commands/index.js';
import { DIALOG_ACTION } from './dialog/index.js';
import { submitForm, submitsForm } from './form-submit.js';

export interface RouterDeps {
  approvals: Approvals;
  dir: Directory;
  queues: DeliveryQueues;
  commands: Commands;
  locale: Locale;
  now: () => Date;
  log: Logger;
}

export function createRouter(deps: RouterDeps) {
  const { dir } = deps;

  /** Reply privately to the person behind an event (their DM on the same platform). */
  async function replyTo(event: InboundEvent, message: MessageIntent | { text: string }, n = 0, dm = false): Promise<void> {
    const target: Target =
      !dm && event.kind === 'message' && event.chat.type === 'group' ? { type: 'chat', id: event.chat.id } : { type: 'user', id: event.senderId };
    const person = dir.personByPlatformId(event.platform, event.senderId);
    if (person && target.type === 'user') target.personId = person.id;
    await deps.queues.add({ type: 'message.send', platform: event.platform, target, message }, jobId('reply', event.platform, event.eventId, n));
  }

  async function onCardAction(e: InboundCardAction, person: Person, ackKey?: string): Promise<void> {
    const actor = { personId: person.id, platform: e.platform };
    const key = `${e.platform}:${e.eventId}`;
    const v = e.action;
    if (submitsForm(v)) {
      const outcome = await submitForm(deps, v, e.form ?? {}, actor, key);
      if (!outcome.ok) return replyTo(e, outcome.message);
      // A receiver that answered the submitter at once (the simulator) already said so.
      if (!outcome.resubmitted && !outcome.duplicate) return replyTo(e, outcome.message);
      return;
    }
    if (v.a === DIALOG_ACTION) return sendReplies(e, person, await deps.commands.press(e, person));
    if (v.a === DELEGATE_FORM_ACTION) return sendReplies(e, person, await deps.commands.submitDelegation(e, person));
    if (v.a === 'open_form') {
      const target: Target = { type: 'user', id: e.senderId, personId: person.id };
      await deps.queues.add({ type: 'form.send', platform: e.platform, target, requestType: v.t ?? 'event' }, jobId('form', e.platform, e.eventId));
      return;
    }
    const action = toCoreAction(v, e.form);
    if (!action || !v.r) {
      deps.log.warn({ action: v }, 'unknown card action');
      return;
    }
    const result = await deps.approvals.act(v.r, action, actor, key);
    // The clicker already saw the receiver's toast; tell them only when the outcome differs
    // (e.g. another approver won the race in between).
    if (!result.ok && result.message.key !== ackKey) await replyTo(e, result.message);
  }

  /** Replies of a command or dialog, in order: texts (to the chat, or the DM when `dm`), forms and cards to the DM. */
  async function sendReplies(e: InboundEvent, person: Person, replies: Reply[]): Promise<void> {
    const dm: Target = { type: 'user', id: e.senderId, personId: person.id };
    for (const [i, r] of replies.entries()) {
      if ('form' in r) {
        await deps.queues.add({ type: 'form.send', platform: e.platform, target: dm, requestType: r.form }, jobId('form', e.platform, e.eventId, i));
      } else if ('card' in r) {
        await deps.queues.add({ type: 'card.post', platform: e.platform, target: dm, card: r.card, ...(r.lead ? { lead: r.lead } : {}), ...(r.ref ? { ref: r.ref } : {}) }, jobId('dlgcard', e.platform, e.eventId, i));
      } else if ('replaceCard' in r || 'settleCard' in r) {
        // The dialog's confirmation card in its final state: by the clicked message's id where the
        // platform replaces by it, else by what its sending recorded under `ref` (DingTalk, or typed).
        const card = 'replaceCard' in r ? r.replaceCard : r.settleCard;
        const caps = capabilitiesOf(e.platform);
        if (e.kind === 'card_action' && e.message?.messageId && caps.replacesByMessageId) {
          await deps.queues.add({ type: 'card.replace', platform: e.platform, target: dm, messageId: e.message.messageId, card }, jobId('dlgdone', e.platform, e.eventId, i));
        } else if (r.ref && caps.settlesPostedCards) {
          await deps.queues.add({ type: 'card.settle', platform: e.platform, target: dm, ref: r.ref, card }, jobId('dlgdone', e.platform, e.eventId, i));
        }
      } else if ('approvalCard' in r) {
        await deps.queues.add({ type: 'card.send', platform: e.platform, requestId: r.approvalCard, cardKind: 'approval', target: dm }, jobId('pendcard', e.platform, e.eventId, i));
      } else {
        const { dm: toDm, ...message } = r;
        await replyTo(e, message, i, toDm ?? false);
      }
    }
  }

  async function onMessage(e: InboundMessage, person: Person): Promise<void> {
    if (!addressedToBot(e.chat.type, e.mentioned)) return;
    await sendReplies(e, person, await deps.commands.handle(e, person));
  }

  return async function route(item: InboundItem): Promise<void> {
    const e = item.event;
    const person = dir.personByPlatformId(e.platform, e.senderId);
    if (!person) {
      deps.log.info({ platform: e.platform, sender: e.senderId }, 'event from a person not in the organisation file');
      if (e.kind === 'message' && addressedToBot(e.chat.type, e.mentioned)) {
        await replyTo(e, { key: 'bot.unknown_user', params: { platform: e.platform, id: e.senderId, contact: dir.org.organisation.contact } });
      }
      return;
    }
    if (e.kind === 'card_action') return onCardAction(e, person, item.ackKey);
    return onMessage(e, person);
  };
}
