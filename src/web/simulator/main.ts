// 签批 · the browser chat simulator: act as anyone in the organisation, in their DM with the bot
// and their rooms, against the whole service. Boot: the organisation, the person picker, then
// the person last used (or ?as=<id>), and the request of a #/requests/<id> link.
import { api, errorText } from './api.js';
import { setupComposer } from './composer.js';
import { setupDemoClock } from './demo-clock.js';
import { $, h, storage } from './dom.js';
import { closeDrawer, openDrawer } from './drawer.js';
import { localizePage, setLocale, tr } from './i18n.js';
import { setupNewRequestMenu } from './menu.js';
import { LS_PERSON, switchPerson } from './person.js';
import { state } from './state.js';
import type { Boot, Person } from './types.js';

async function main(): Promise<void> {
  localizePage();
  let boot: Boot;
  try {
    boot = await api<Boot>('GET', '/api/sim/bootstrap');
  } catch (err) {
    document.body.replaceChildren(h('div', { class: 'fatal' }, h('h1', {}, tr('sim.fatal')), h('p', {}, errorText(err))));
    return;
  }
  state.boot = boot;
  setLocale(boot.locale);
  for (const p of boot.people) state.people.set(p.id, p);
  $('org-name').textContent = boot.organisation;

  // The person picker, grouped by department.
  const picker = $<HTMLSelectElement>('person-picker');
  const byDept = new Map<string, Person[]>();
  for (const p of boot.people) byDept.set(p.deptName, [...(byDept.get(p.deptName) || []), p]);
  picker.replaceChildren(...[...byDept].map(([dept, people]) => h('optgroup', { label: dept }, people.map((p) => h('option', { value: p.id }, tr('sim.picker_option', { name: p.name, title: p.title || dept }))))));
  picker.addEventListener('change', () => switchPerson(picker.value));

  setupNewRequestMenu();
  setupSidePanel();
  if (boot.demoClock) setupDemoClock();
  setupComposer();
  $('drawer-close').addEventListener('click', closeDrawer);
  $('drawer-backdrop').addEventListener('click', closeDrawer);

  const fromUrl = new URLSearchParams(location.search).get('as');
  switchPerson([fromUrl, storage.get(LS_PERSON)].find((id) => id && state.people.has(id)) || boot.people[0]!.id);
  document.body.classList.add('ready');

  // Deep link: #/requests/<id> (cards' `link`) opens the detail drawer.
  const openFromHash = () => {
    const m = /^#\/requests\/([^/?#]+)/.exec(location.hash);
    if (m) openDrawer(decodeURIComponent(m[1]!));
  };
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
}

void main();

/** Phones: the sidebar slides over the chat from ☰ and closes once a conversation is chosen. */
function setupSidePanel(): void {
  const app = $('app');
  const btn = $('side-toggle');
  const scrim = $('side-scrim');
  const set = (open: boolean) => {
    app.dataset.side = open ? 'open' : 'closed';
    btn.setAttribute('aria-expanded', String(open));
    scrim.hidden = !open;
  };
  btn.addEventListener('click', () => set(app.dataset.side !== 'open'));
  scrim.addEventListener('click', () => set(false));
  $('conv-list').addEventListener('click', (e) => {
    if ((e.target as Element).closest('[data-testid^="conversation-"]')) set(false);
  });
}
