// The 发起申请 menu (one item per request type a person can submit), and Escape.
import { selectConversation } from './conversations.js';
import { $, h } from './dom.js';
import { closeDrawer } from './drawer.js';
import { openNewRequest } from './form.js';
import { modalStack } from './modal.js';
import { boot, state } from './state.js';

export function setupNewRequestMenu(): void {
  const btn = $('new-request');
  const menu = $('new-request-menu');
  const toggle = (open: boolean) => {
    menu.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
  };
  menu.replaceChildren(
    ...boot().requestTypes.map((t) =>
      h(
        'button',
        {
          type: 'button',
          role: 'menuitem',
          class: 'menu-item',
          testid: `new-request-${t.id}`,
          onclick: () => {
            toggle(false);
            // Submitted: show the DM, where the bot confirms it.
            void openNewRequest(t.id, () => selectConversation(`dm:${state.me}`));
          },
        },
        h('span', { class: 'menu-item-name' }, t.name),
        h('span', { class: 'menu-item-en' }, t.nameEn),
      ),
    ),
  );
  btn.addEventListener('click', (e) => {
    e.stopPropagation();
    toggle(menu.hidden);
  });
  document.addEventListener('click', (e) => {
    if (!menu.contains(e.target as Node)) toggle(false);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (!menu.hidden) toggle(false);
    else if (modalStack.length) modalStack.at(-1)!.close();
    else if (state.drawer) closeDrawer();
  });
}
