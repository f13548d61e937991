// The demo clock control (simulator-only instances): the app's time, and fast-forward to the next
// reminder, the approval deadline, the event's end or the next daily digest. It moves the app's
// clock on the server (POST /api/sim/clock), never the machine's; what falls due happens at once
// and arrives in the chats over the live feed.
import { api, errorText } from './api.js';
import { $, h } from './dom.js';
import { fmtDateTime } from './format.js';
import { tr } from './i18n.js';
import { toast } from './toast.js';

const TARGETS = ['reminder', 'deadline', 'event_end', 'digest'] as const;
type Target = (typeof TARGETS)[number];
interface ClockState {
  now: string;
  offsetMs: number;
  targets: Record<Target, string | null>;
}

export function setupDemoClock(): void {
  const wrap = $('clock-wrap');
  const btn = $('clock');
  const menu = $('clock-menu');
  wrap.hidden = false;
  const toggle = (open: boolean) => {
    menu.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
  };

  const show = (s: ClockState) => {
    $('clock-now').textContent = tr('sim.clock.now', { time: fmtDateTime(s.now) });
    btn.dataset.ahead = String(s.offsetMs > 0);
    menu.replaceChildren(
      ...TARGETS.map((to) => {
        const at = s.targets[to];
        return h(
          'button',
          { type: 'button', role: 'menuitem', class: 'menu-item', testid: `demo-clock-${to}`, disabled: !at, onclick: () => void jump(to) },
          h('span', { class: 'menu-item-name' }, tr(`sim.clock.to.${to}`)),
          h('span', { class: 'menu-item-en' }, at ? tr('sim.clock.at', { time: fmtDateTime(at) }) : tr('sim.clock.none')),
        );
      }),
    );
  };
  const refresh = async () => show(await api<ClockState>('GET', '/api/sim/clock'));
  const jump = async (to: Target) => {
    toggle(false);
    try {
      const s = await api<ClockState>('POST', '/api/sim/clock', { to });
      show(s);
      toast(tr('sim.clock.moved', { time: fmtDateTime(s.now) }), 'success');
    } catch (err) {
      toast(errorText(err), 'error');
    }
  };

  btn.addEventListener('click', (e) => {
    e.stopPropagation();
    if (menu.hidden) void refresh().catch(() => undefined);
    toggle(menu.hidden);
  });
  document.addEventListener('click', (e) => {
    if (!menu.contains(e.target as Node)) toggle(false);
  });
  void refresh().catch(() => undefined);
  // The minute shown follows the app's clock.
  setInterval(() => void refresh().catch(() => undefined), 30_000);
}
