// The open conversation's messages: rows cached by id (an update keeps the same element), day
// separators, unread watermarks.
import { fillCard } from './card.js';
import { fileList } from './files.js';
import { currentConversation } from './conversation-list.js';
import { $, h, storage } from './dom.js';
import { avatar, BOT_ID, dayKey, dayLabel, fmtDateTime, fmtTime, personName } from './format.js';
import { tr } from './i18n.js';
import { state, type CardElement } from './state.js';
import type { SimMessage } from './types.js';

const LS_SEEN = 'qianpi.sim.seen';

export function messagesIn(conv: string): SimMessage[] {
  return [...state.messages.values()].filter((m) => m.conversation === conv).sort((a, b) => a.id - b.id);
}

// "Seen" watermark per person and conversation, so unread dots survive reloads.
type Seen = Record<string, Record<string, number>>;

function loadSeen(): Seen {
  try {
    return JSON.parse(storage.get(LS_SEEN) || '{}') as Seen;
  } catch {
    return {};
  }
}

export function markSeen(conv: string): void {
  const last = messagesIn(conv).at(-1);
  if (!last) return;
  const all = loadSeen();
  all[state.me] = { ...(all[state.me] || {}), [conv]: Math.max(last.id, all[state.me]?.[conv] ?? 0) };
  storage.set(LS_SEEN, JSON.stringify(all));
}

export function unreadCount(conv: string): number {
  if (conv === state.active) return 0;
  const seen = loadSeen()[state.me]?.[conv] ?? 0;
  return messagesIn(conv).filter((m) => m.id > seen && m.sender !== state.me).length;
}

/** The last message of a conversation, one line, for the sidebar. */
export function preview(m: SimMessage | undefined): string {
  if (!m) return tr('sim.conv.no_messages');
  const who = m.sender === state.me ? tr('sim.conv.me') : m.conversation.startsWith('room:') ? personName(m.sender) : '';
  const body = m.kind === 'card' && m.card?.kind !== 'file' ? tr('sim.conv.card_preview', { title: m.card?.title ?? '' }) : (m.card?.title ?? m.text ?? '');
  return who ? tr('sim.conv.preview', { who, body }) : body;
}

/** The row of one message; cached by id so a re-render reuses the same element. */
function messageEl(m: SimMessage): HTMLElement {
  let row = state.msgEls.get(m.id);
  if (row) return row;
  const mine = m.sender === state.me;
  const side = m.sender === BOT_ID ? 'bot' : mine ? 'self' : 'other';
  let body: HTMLElement;
  if (m.kind === 'card' && m.card?.kind === 'file') {
    // A file the person sent (POST /api/sim/files): shown as the file, not as a card.
    body = h('div', { class: 'bubble bubble-file', testid: 'message-file' }, fileList(m.card.attachments ?? []), h('div', { class: 'file-caption' }, m.card.title));
  } else if (m.kind === 'card') {
    const el: CardElement = h('div', { class: 'card', testid: `card-${m.id}`, dataset: { messageId: String(m.id) } });
    state.cardEls.set(m.id, el);
    fillCard(el, m);
    body = el;
  } else body = h('div', { class: 'bubble', testid: 'message-text' }, m.text ?? '');
  row = h(
    'div',
    { class: `msg msg-${side}${m.kind === 'card' ? ' msg-card' : ''}`, testid: `message-${m.id}`, dataset: { id: String(m.id), sender: m.sender } },
    avatar(m.sender),
    h(
      'div',
      { class: 'msg-main' },
      h('div', { class: 'msg-meta' }, !mine && h('span', { class: 'msg-sender' }, personName(m.sender)), m.sender === BOT_ID && h('span', { class: 'bot-tag' }, tr('sim.msg.bot_tag')), h('span', { class: 'msg-time', title: fmtDateTime(m.createdAt) }, fmtTime(m.createdAt))),
      body,
    ),
  );
  state.msgEls.set(m.id, row);
  return row;
}

const nearBottom = (el: HTMLElement) => el.scrollHeight - el.scrollTop - el.clientHeight < 120;

/** Render the active conversation: reuses the cached rows, adds day separators. */
export function renderMessages({ scroll = 'auto' }: { scroll?: 'auto' | 'bottom' | 'keep' } = {}): void {
  const box = $('messages');
  const stick = scroll === 'bottom' || (scroll === 'auto' && nearBottom(box));
  const msgs = messagesIn(state.active);
  const nodes: HTMLElement[] = [];
  let day = '';
  for (const m of msgs) {
    const d = dayKey(m.createdAt);
    if (d !== day) {
      day = d;
      nodes.push(h('div', { class: 'day-sep' }, h('span', {}, dayLabel(m.createdAt))));
    }
    nodes.push(messageEl(m));
  }
  if (!msgs.length) nodes.push(emptyState());
  box.replaceChildren(...nodes);
  if (stick) box.scrollTop = box.scrollHeight;
}

function emptyState(): HTMLElement {
  const c = currentConversation();
  if (c?.kind === 'room') {
    return h('div', { class: 'empty' }, h('div', { class: 'empty-icon' }, tr('sim.avatar.room')), h('div', { class: 'empty-title' }, tr('sim.empty.room_title', { room: c.name })), h('div', { class: 'empty-text' }, tr('sim.empty.room_text')));
  }
  return h('div', { class: 'empty' }, h('div', { class: 'empty-icon empty-bot' }, tr('sim.avatar.bot')), h('div', { class: 'empty-title' }, tr('sim.empty.dm_title')), h('div', { class: 'empty-text' }, tr('sim.empty.dm_text')));
}

/**
 * Add or replace a message. A higher version of a known card is applied to the same element
 * (and highlighted). Returns whether the message is new.
 */
export function upsert(m: SimMessage): boolean {
  const prev = state.messages.get(m.id);
  if (prev && prev.version >= m.version) return false;
  state.messages.set(m.id, m);
  const cardEl = state.cardEls.get(m.id);
  if (prev && m.kind === 'card' && cardEl) fillCard(cardEl, m);
  else if (prev) state.msgEls.delete(m.id);
  return !prev;
}
