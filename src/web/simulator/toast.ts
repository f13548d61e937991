// Toasts: the feedback of an action, a failure.
import { $, h } from './dom.js';
import type { Tone } from './types.js';

const ICONS: Record<Tone, string> = { success: '✓', error: '!', info: 'i' };

export function toast(text: string, tone: Tone = 'info'): void {
  const el = h(
    'div',
    { class: `toast toast-${tone}`, testid: 'toast', role: tone === 'error' ? 'alert' : 'status', dataset: { tone } },
    h('span', { class: 'toast-icon', 'aria-hidden': 'true' }, ICONS[tone] ?? 'i'),
    h('span', { class: 'toast-text' }, text),
  );
  $('toasts').append(el);
  setTimeout(
    () => {
      el.classList.add('leaving');
      setTimeout(() => el.remove(), 300);
    },
    tone === 'error' ? 5000 : 3500,
  );
}
