// Who the page acts as: the who-am-I panel, and switching person (a fresh page state).
import { lastConversation, selectConversation } from './conversations.js';
import { $, h, storage } from './dom.js';
import { closeDrawer } from './drawer.js';
import { avatar } from './format.js';
import { tr } from './i18n.js';
import { connect } from './live.js';
import { closeAllModals } from './modal.js';
import { state } from './state.js';

export const LS_PERSON = 'qianpi.sim.person';

function renderWhoAmI(): void {
  const p = state.people.get(state.me)!;
  const av = avatar(state.me);
  const me = $('me-avatar');
  me.textContent = av.textContent;
  me.style.background = av.style.background;
  $('me-name').textContent = p.name;
  $('me-meta').replaceChildren(h('span', { class: 'meta-title' }, p.title || '—'), h('span', { class: 'meta-dept' }, p.deptName));
  $<HTMLSelectElement>('person-picker').value = p.id;
  document.title = tr('sim.doc_title', { name: p.name });
}

export function switchPerson(id: string): void {
  if (!state.people.has(id)) return;
  state.gen += 1;
  state.me = id;
  storage.set(LS_PERSON, id);
  state.messages.clear();
  state.msgEls.clear();
  state.cardEls.clear();
  closeDrawer();
  closeAllModals();
  renderWhoAmI();
  selectConversation(lastConversation(id));
  connect(state.gen);
}
