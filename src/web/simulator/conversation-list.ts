// Which conversations a person has (their DM with the bot, their rooms) and the open one: data
// only, so the message list and the sidebar can both read it without importing each other.
import { tr } from './i18n.js';
import { state } from './state.js';
import type { Conversation } from './types.js';

export function conversationsOf(personId: string): Conversation[] {
  const rooms = (state.boot?.rooms || []).filter((r) => r.members.includes(personId));
  return [{ id: `dm:${personId}`, name: tr('sim.bot_name'), kind: 'dm', members: [personId] }, ...rooms.map((r): Conversation => ({ id: `room:${r.id}`, name: r.name, kind: 'room', members: r.members }))];
}

export const conversation = (id: string) => conversationsOf(state.me).find((c) => c.id === id);
export const currentConversation = () => conversation(state.active);
