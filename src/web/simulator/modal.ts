// Modal dialogs (forms, the reason prompt, transfer, add signer).
import { h } from './dom.js';
import { tr } from './i18n.js';

type Content = Node | string | null | undefined | false;

/** Open modals, innermost last (Escape and a person switch close them). */
export const modalStack: Array<{ close: () => void }> = [];

export function closeAllModals(): void {
  while (modalStack.length) modalStack.at(-1)!.close();
}

/** Open a modal dialog; returns { el, close }. `onClose` runs once however it closes. */
export function openModal({ title, subtitle, body, footer, testid = 'modal', wide = false, onClose }: { title: string; subtitle?: string; body: Content; footer?: Content; testid?: string; wide?: boolean; onClose?: () => void }) {
  const dialog = h(
    'div',
    { class: `modal${wide ? ' modal-wide' : ''}`, testid, role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
    h('div', { class: 'modal-head' }, h('div', {}, h('div', { class: 'modal-title' }, title), subtitle && h('div', { class: 'modal-subtitle' }, subtitle)), h('button', { type: 'button', class: 'icon-btn', 'aria-label': tr('sim.close'), testid: 'modal-close', onclick: () => close() }, '✕')),
    h('div', { class: 'modal-body' }, body),
    footer && h('div', { class: 'modal-foot' }, footer),
  );
  const backdrop: HTMLElement = h('div', { class: 'modal-backdrop', onmousedown: (e: MouseEvent) => e.target === backdrop && close() }, dialog);
  document.body.append(backdrop);
  let closed = false;
  const entry = { close };
  modalStack.push(entry);
  function close() {
    if (closed) return;
    closed = true;
    modalStack.splice(modalStack.indexOf(entry), 1);
    backdrop.classList.add('leaving');
    setTimeout(() => backdrop.remove(), 150);
    onClose?.();
  }
  requestAnimationFrame(() => dialog.querySelector<HTMLElement>('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, select')?.focus());
  return { el: dialog, close };
}

/** Cancel and the confirming button: the footer of every small form. */
export function formActions(onCancel: () => void, okButton: HTMLButtonElement, cancelTestid?: string): HTMLElement {
  return h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-default', testid: cancelTestid, onclick: onCancel }, tr('sim.cancel')), okButton);
}

/**
 * Ask for a text (a reason, a comment…). Resolves the trimmed text, or null when cancelled.
 * Used for buttons with `needsReason`, withdraw and comment.
 */
export function promptText({ title, label = tr('sim.reason.label'), placeholder = tr('sim.reason.placeholder'), required = true, okLabel = tr('sim.ok'), danger = false }: { title: string; label?: string; placeholder?: string; required?: boolean; okLabel?: string; danger?: boolean }): Promise<string | null> {
  return new Promise((resolve) => {
    let result: string | null = null;
    const input = h('textarea', { id: 'reason-input', testid: 'reason-input', rows: 4, maxlength: 500, placeholder });
    const okBtn = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, testid: 'reason-ok', disabled: required }, okLabel);
    const sync = () => (okBtn.disabled = required && !input.value.trim());
    input.addEventListener('input', sync);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
    });
    const form = h(
      'form',
      {
        class: 'prompt-form',
        onsubmit: (e: SubmitEvent) => {
          e.preventDefault();
          if (required && !input.value.trim()) return;
          result = input.value.trim();
          modal.close();
        },
      },
      h('label', { class: 'field-label', for: 'reason-input' }, label, required && h('span', { class: 'req' }, '*')),
      input,
      formActions(() => modal.close(), okBtn, 'reason-cancel'),
    );
    const modal = openModal({ title, body: form, testid: 'reason-dialog', onClose: () => resolve(result) });
  });
}
