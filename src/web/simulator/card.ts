// Cards in the chat: rendered from the neutral card model, updated in place, their buttons posted.
import { ok, postAction, showAck } from './api.js';
import { h } from './dom.js';
import { openDrawer } from './drawer.js';
import { fileList } from './files.js';
import { buildForm, formErrors } from './form.js';
import { tr } from './i18n.js';
import { promptText } from './modal.js';
import type { CardElement } from './state.js';
import type { Card, CardButton, SimMessage } from './types.js';

/** The request a card belongs to: its link, a button's action, or the number in its title. */
export function requestRef(card: Partial<Card>): string | null {
  const fromLink = card.link && /#\/(?:requests|r)\/([^/?#]+)/.exec(card.link);
  if (fromLink) return decodeURIComponent(fromLink[1]!);
  const withR = (card.buttons || []).find((b) => b.action?.r)?.action.r ?? card.form?.submit?.action?.r;
  if (withR) return withR;
  const num = /\b([A-Z]-\d{3,})\b/.exec(card.title || '');
  return num ? num[1]! : null;
}

const MARKER_CLASS: Record<string, string> = { '✓': 'done', '●': 'current', '✗': 'failed', '○': 'waiting', '–': 'skipped' };

/** Render markdown-ish text (newlines, **bold**, step markers) with text nodes only. */
function renderMarkdown(md: string): HTMLElement[] {
  return md.split('\n').map((line) => {
    const marker = /^([✓●✗○–])\s/.exec(line)?.[1];
    const lineEl = h('div', { class: `md-line ${(marker && MARKER_CLASS[marker]) ?? ''}` });
    for (const seg of line.split(/(\*\*[^*]+\*\*)/)) {
      if (/^\*\*[^*]+\*\*$/.test(seg)) lineEl.append(h('strong', {}, seg.slice(2, -2)));
      else if (seg) lineEl.append(document.createTextNode(seg));
    }
    if (!line) lineEl.append(h('br'));
    return lineEl;
  });
}

/** (Re)fill a card element from the card model. The element itself is kept across updates. */
export function fillCard(el: CardElement, msg: SimMessage): void {
  const card: Card = msg.card || { kind: '', title: '', fields: [], buttons: [] };
  const prev = el.card;
  el.card = card;
  el.dataset.version = String(msg.version);
  el.dataset.kind = card.kind || '';
  const tone = card.status?.tone || 'neutral';
  el.className = `card card-tone-${card.status ? tone : 'none'}`;
  el.replaceChildren();

  const ref = requestRef(card);
  el.dataset.request = ref || '';
  const title = ref
    ? h('button', { type: 'button', class: 'card-title linkish', testid: 'card-title', title: tr('sim.card.open_details'), onclick: () => openDrawer(ref) }, card.title)
    : h('div', { class: 'card-title', testid: 'card-title' }, card.title);
  const head = h('div', { class: 'card-head' }, title, card.status && h('span', { class: `badge tone-${tone}`, testid: 'card-status', dataset: { tone } }, card.status.text));
  el.append(head);
  if (card.subtitle) el.append(h('div', { class: 'card-subtitle' }, card.subtitle));

  if (card.fields?.length) {
    el.append(
      h(
        'dl',
        { class: 'card-fields', testid: 'card-fields' },
        card.fields.map((f) => {
          const changed = prev && !(prev.fields || []).some((p) => p.label === f.label && p.value === f.value);
          return h('div', { class: `card-field${f.wide ? ' wide' : ''}${changed ? ' changed' : ''}` }, h('dt', {}, f.label), h('dd', {}, f.value));
        }),
      ),
    );
  }
  if (card.attachments?.length) el.append(fileList(card.attachments));
  if (card.markdown) el.append(h('div', { class: `card-md${prev && prev.markdown !== card.markdown ? ' changed' : ''}`, testid: 'card-markdown' }, renderMarkdown(card.markdown)));

  const spec = card.form;
  if (spec) {
    el.append(
      buildForm(
        spec,
        async (values) => {
          const ack = await postAction({ messageId: msg.id, action: spec.submit.action, form: values });
          const errors = formErrors(ack);
          if (!errors) showAck(ack, tr('sim.card.form_submitted'));
          return errors;
        },
        { idPrefix: `m${msg.id}` },
      ),
    );
  }

  if (card.buttons?.length) {
    const bar = h('div', { class: 'card-buttons' });
    for (const b of card.buttons) {
      bar.append(h('button', { type: 'button', class: `btn btn-${b.style || 'default'}`, testid: `btn-${b.action?.a}`, onclick: () => onCardButton(el, msg.id, b) }, b.label));
    }
    el.append(bar);
  }
  if (card.footer || ref) {
    el.append(h('div', { class: 'card-footer' }, h('span', {}, card.footer || ''), ref && h('button', { type: 'button', class: 'linkish small', testid: 'card-details', onclick: () => openDrawer(ref) }, tr('sim.card.details'))));
  }
  if (prev) {
    // A live update: briefly highlight the card (and the badge if the status changed).
    if (prev.status?.text !== card.status?.text) head.querySelector('.badge')?.classList.add('changed');
    el.classList.remove('flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('flash');
  }
}

async function onCardButton(cardEl: HTMLElement, messageId: number, button: CardButton): Promise<void> {
  let form: Record<string, string> | undefined;
  if (button.needsReason) {
    const reason = await promptText({ title: tr('sim.card.reason_title', { action: button.label }), placeholder: tr('sim.card.reason_placeholder', { action: button.label }), danger: button.style === 'danger', okLabel: button.label });
    if (reason === null) return;
    form = { reason };
  }
  const buttons = cardEl.querySelectorAll<HTMLButtonElement>('.card-buttons .btn');
  const enable = () => buttons.forEach((b) => (b.disabled = false));
  buttons.forEach((b) => (b.disabled = true));
  const ack = await postAction({ messageId, action: button.action, form });
  showAck(ack);
  // Accepted: the card update (new buttons) follows over the live feed, so keep these disabled
  // against double clicks for a while. Refused or failed: nothing changed, re-enable now.
  if (ok(ack)) setTimeout(enable, 5000);
  else enable();
}
