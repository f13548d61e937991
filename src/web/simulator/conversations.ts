// The sidebar's conversations (the person's DM with the bot, their rooms), the open one and its
// header.
import { api } from './api.js';
import { sendText } from './composer.js';
import { conversation, conversationsOf, currentConversation } from './conversation-list.js';
import { $, h, storage } from './dom.js';
import { avatar, BOT_ID, dayKey, dayLabel, fmtTime, names } from './format.js';
import { tr } from './i18n.js';
import { markSeen, messagesIn, preview, renderMessages, unreadCount } from './messages.js';
import { state } from './state.js';
import type { Conversation, DialogPhase } from './types.js';

const LS_CONV = 'qianpi.sim.conversation';

/** The conversation the person last had open (or their DM). */
export const lastConversation = (personId: string) => storage.get(`${LS_CONV}.${personId}`) || `dm:${personId}`;

export function renderConversationList(): void {
  const today = dayKey(new Date().toISOString());
  $('conv-list').replaceChildren(
    ...conversationsOf(state.me).map((c) => {
      const last = messagesIn(c.id).at(-1);
      const unread = unreadCount(c.id);
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `conv${c.id === state.active ? ' active' : ''}${unread ? ' has-unread' : ''}`,
            testid: `conversation-${c.id}`,
            'aria-current': c.id === state.active ? 'true' : undefined,
            onclick: () => selectConversation(c.id),
          },
          h('div', { class: 'conv-avatar' }, c.kind === 'dm' ? avatar(BOT_ID) : avatar(c.id), unread ? h('span', { class: 'unread-dot', testid: `unread-${c.id}`, title: tr('sim.conv.unread', { n: unread }) }, unread > 99 ? '99+' : String(unread)) : null),
          h(
            'div',
            { class: 'conv-text' },
            h('div', { class: 'conv-line' }, h('span', { class: 'conv-name' }, c.name), last && h('span', { class: 'conv-time' }, dayKey(last.createdAt) === today ? fmtTime(last.createdAt) : dayLabel(last.createdAt))),
            h('div', { class: 'conv-preview' }, c.kind === 'room' && !last ? tr('sim.conv.members', { n: c.members.length }) : preview(last)),
          ),
        ),
      );
    }),
  );
}

function renderChatHeader(): void {
  const c = currentConversation();
  if (!c) return;
  $('chat-title').textContent = c.name;
  $('chat-sub').textContent = c.kind === 'dm' ? tr('sim.chat.dm_sub') : tr('sim.chat.room_sub', { n: c.members.length, names: names(c.members) });
  $('composer-mention').hidden = c.kind !== 'room';
  $<HTMLTextAreaElement>('composer-input').placeholder = c.kind === 'room' ? tr('sim.composer.room_placeholder', { room: c.name }) : tr('sim.composer.dm_placeholder');
  renderQuickReplies(c);
}

/** The words a dialog in progress understands, or the commands when none is open. */
function dmReplies(): string[] {
  const d = state.dialog;
  if (d.phase === 'ask') return [...(d.files ? [tr('sim.quick.done')] : []), ...(d.back ? [tr('sim.quick.back')] : []), ...(d.skip ? [tr('sim.quick.skip')] : []), tr('sim.quick.cancel')];
  if (d.phase === 'confirm') return [tr('sim.quick.confirm'), tr('sim.quick.edit'), tr('sim.quick.cancel')];
  return [tr('sim.quick.apply'), tr('sim.quick.todo'), tr('sim.quick.mine'), tr('sim.quick.help')];
}

/** Commands one click away: the bot's words (it reads them in either language). */
function renderQuickReplies(c: Conversation): void {
  let bar = document.getElementById('quick-replies');
  if (!bar) {
    bar = h('div', { class: 'quick-replies', id: 'quick-replies', testid: 'quick-replies' });
    $('composer').before(bar);
  }
  const mention = tr('sim.mention');
  const items = c.kind === 'dm' ? dmReplies() : [`${mention} ${tr('sim.quick.todo')}`, `${mention} ${tr('sim.quick.help')}`];
  bar.dataset.dialog = c.kind === 'dm' ? (state.dialog.phase ?? 'none') : 'none';
  $('composer-attach').hidden = !(c.kind === 'dm' && state.dialog.phase === 'ask' && state.dialog.files);
  bar.replaceChildren(...items.map((text) => h('button', { type: 'button', class: 'chip', onclick: () => sendText(text) }, text)));
}

/** Asks where the person's dialog stands (after the bot spoke in their DM) and redraws the chips. */
export async function refreshDialog(): Promise<void> {
  const gen = state.gen;
  const d = await api<DialogPhase>('GET', `/api/sim/dialog?as=${encodeURIComponent(state.me)}`);
  if (gen !== state.gen) return;
  state.dialog = d;
  const c = currentConversation();
  if (c) renderQuickReplies(c);
}

export function selectConversation(id: string): void {
  if (!conversation(id)) id = `dm:${state.me}`;
  state.active = id;
  storage.set(`${LS_CONV}.${state.me}`, id);
  renderChatHeader();
  renderMessages({ scroll: 'bottom' });
  markSeen(id);
  renderConversationList();
}
