// What the current person may do from the detail drawer: withdraw, comment, transfer, add a signer.
import { OPEN_STATUSES } from '../../core/model.js';
import { ok, postAction, showAck } from './api.js';
import { h } from './dom.js';
import { avatar } from './format.js';
import { tr } from './i18n.js';
import { formActions, openModal, promptText } from './modal.js';
import { state } from './state.js';
import type { ActionValue, Person, RequestState, StepState } from './types.js';

type Run = (action: ActionValue, form: Record<string, string> | undefined, fallback: string) => Promise<void>;

/**
 * Buttons for what the current person may do from the detail view. `refresh` reloads the drawer
 * after an accepted action (passed in: the drawer imports this module).
 */
export function drawerActions(r: RequestState, refresh: (ms: number) => void): HTMLElement | null {
  const open = OPEN_STATUSES.has(r.status);
  const step = open && r.current !== null ? r.steps[r.current] : undefined;
  const isApplicant = r.applicantId === state.me;
  const isApprover = !!step && step.approvers.includes(state.me) && !step.decisions.some((d) => d.personId === state.me);
  const buttons: HTMLElement[] = [];
  const run: Run = async (action, form, fallback) => {
    const ack = await postAction({ messageId: null, action, form });
    showAck(ack, fallback);
    if (ok(ack)) refresh(800);
  };
  const button = (testid: string, label: string, onclick: () => unknown) => h('button', { type: 'button', class: 'btn btn-default', testid, onclick }, label);
  if (isApplicant && open) {
    buttons.push(
      button('btn-withdraw', tr('sim.withdraw.button'), async () => {
        const reason = await promptText({ title: tr('sim.withdraw.title'), label: tr('sim.withdraw.label'), placeholder: tr('sim.optional_placeholder'), required: false, okLabel: tr('sim.withdraw.ok'), danger: true });
        if (reason === null) return;
        await run({ a: 'withdraw', r: r.id }, reason ? { reason } : undefined, tr('feedback.withdrawn'));
      }),
    );
  }
  if ((isApplicant || isApprover) && open) {
    buttons.push(
      button('btn-comment', tr('sim.comment.title'), async () => {
        const comment = await promptText({ title: tr('sim.comment.title'), label: tr('sim.comment.title'), placeholder: tr('sim.comment.placeholder'), okLabel: tr('sim.comment.ok') });
        if (comment) await run({ a: 'comment', r: r.id }, { comment }, tr('feedback.commented'));
      }),
    );
  }
  if (isApprover) {
    buttons.push(button('btn-transfer', tr('sim.transfer.button'), () => transferDialog(r, step!, run)), button('btn-add_signer', tr('sim.add_signer.button'), () => addSignerDialog(r, step!, run)));
  }
  if (!buttons.length) return null;
  return h('div', { class: 'drawer-actions', testid: 'drawer-actions' }, buttons);
}

const personOption = (p: Person) => h('option', { value: p.id }, tr('sim.person_option', { name: p.name, title: p.title || p.deptName, dept: p.deptName }));

/** An optional note for a dialog's action. */
function noteField(id: string, rows: number) {
  const input = h('textarea', { id, testid: id, rows, placeholder: tr('sim.optional_placeholder') });
  const label = h('label', { class: 'field-label', for: id }, tr('sim.note_optional'));
  const value = (): Record<string, string> => (input.value.trim() ? { comment: input.value.trim() } : {});
  return { input, label, value };
}

function transferDialog(r: RequestState, step: StepState, run: Run): void {
  const candidates = [...state.people.values()].filter((p) => p.id !== state.me && !step.approvers.includes(p.id) && p.id !== r.applicantId);
  const select = h('select', { id: 'transfer-to', testid: 'transfer-to' }, h('option', { value: '' }, tr('sim.transfer.choose')), candidates.map(personOption));
  const note = noteField('transfer-comment', 3);
  const okBtn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'transfer-ok', disabled: true }, tr('sim.transfer.button'));
  select.addEventListener('change', () => (okBtn.disabled = !select.value));
  const form = h(
    'form',
    {
      class: 'prompt-form',
      onsubmit: (e: SubmitEvent) => {
        e.preventDefault();
        if (!select.value) return;
        modal.close();
        void run({ a: 'transfer', r: r.id, s: step.id }, { to: select.value, ...note.value() }, tr('sim.transfer.done'));
      },
    },
    h('label', { class: 'field-label', for: 'transfer-to' }, tr('sim.transfer.to'), h('span', { class: 'req' }, '*')),
    select,
    note.label,
    note.input,
    formActions(() => modal.close(), okBtn),
  );
  const modal = openModal({ title: tr('sim.transfer.title', { step: step.name }), subtitle: `${r.number} ${r.title}`, body: form, testid: 'transfer-dialog' });
}

function addSignerDialog(r: RequestState, step: StepState, run: Run): void {
  const candidates = [...state.people.values()].filter((p) => !step.approvers.includes(p.id) && p.id !== r.applicantId);
  const checks = candidates.map((p) => h('input', { type: 'checkbox', value: p.id, testid: `signer-${p.id}` }));
  const boxes = candidates.map((p, i) => h('label', { class: 'check' }, checks[i], avatar(p.id, 'avatar-xs'), h('span', {}, p.name), h('span', { class: 'muted' }, p.title || p.deptName)));
  const position = (v: string, label: string, checked: boolean) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'position', value: v, testid: `position-${v}`, checked }), label);
  const note = noteField('signer-comment', 2);
  const okBtn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'add-signer-ok', disabled: true }, tr('sim.add_signer.button'));
  const chosen = () => checks.filter((i) => i.checked).map((i) => i.value);
  for (const c of checks) c.addEventListener('change', () => (okBtn.disabled = !chosen().length));
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'prompt-form',
      onsubmit: (e: SubmitEvent) => {
        e.preventDefault();
        const signers = chosen();
        if (!signers.length) return;
        const pos = form.querySelector<HTMLInputElement>('input[name=position]:checked')?.value || 'before';
        modal.close();
        void run({ a: 'add_signer', r: r.id, s: step.id }, { signers: signers.join(','), position: pos, ...note.value() }, tr('feedback.signer_added'));
      },
    },
    h('div', { class: 'field-label' }, tr('sim.add_signer.signers'), h('span', { class: 'req' }, '*')),
    h('div', { class: 'check-list', testid: 'signer-list' }, boxes),
    h('div', { class: 'field-label' }, tr('sim.add_signer.position')),
    h('div', { class: 'radio-row' }, position('before', tr('sim.add_signer.before'), true), position('after', tr('sim.add_signer.after'), false)),
    note.label,
    note.input,
    formActions(() => modal.close(), okBtn),
  );
  const modal = openModal({ title: tr('sim.add_signer.title', { step: step.name }), subtitle: `${r.number} ${r.title}`, body: form, testid: 'add-signer-dialog' });
}
