// 签批 · local chat simulator.
// Plain browser JavaScript (ES module, no build step, no framework, no network beyond this
// server). Every piece of server data reaches the DOM through text nodes or attributes —
// never through innerHTML — so names, form values and bot text cannot inject markup.

// ---------------------------------------------------------------------------------------
// Small DOM helpers
// ---------------------------------------------------------------------------------------

/**
 * Create an element. `attrs`: `class`, `testid` (→ data-testid), `dataset` (object),
 * `on<Event>` handlers, booleans (disabled, hidden…) and plain attributes.
 * Children: nodes, strings (as text), null/false (skipped) or arrays of those.
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'testid') el.dataset.testid = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'value') el.value = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const $ = (id) => document.getElementById(id);

/** A random id for `clientId` (works on plain http too, unlike crypto.randomUUID). */
function randomId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------

const LS_PERSON = 'qianpi.sim.person';
const LS_SEEN = 'qianpi.sim.seen';
const LS_CONV = 'qianpi.sim.conversation';

const BOT = { id: 'bot', name: '签批助手' };

const STATUS = {
  consulting: ['沟通中', 'pending'],
  pending: ['审批中', 'pending'],
  approved: ['已通过', 'approved'],
  rejected: ['已驳回', 'rejected'],
  returned: ['已退回', 'warning'],
  withdrawn: ['已撤回', 'neutral'],
  expired: ['已过期', 'neutral'],
  summary_due: ['待提交总结', 'info'],
  summary_submitted: ['总结已提交', 'info'],
  scored: ['已评分', 'info'],
  reimbursing: ['报销中', 'info'],
  closed: ['已归档', 'approved'],
};
const OPEN = new Set(['pending', 'consulting']);

const STEP_STATUS = {
  waiting: ['等待中', 'neutral', '○'],
  active: ['审批中', 'pending', '●'],
  approved: ['已通过', 'approved', '✓'],
  rejected: ['已驳回', 'rejected', '✗'],
  skipped: ['已跳过', 'neutral', '–'],
  cancelled: ['已取消', 'neutral', '–'],
};

const PLATFORM = { local: '模拟器', feishu: '飞书', dingtalk: '钉钉', wecom: '企业微信' };

const AVATAR_COLORS = ['#3370ff', '#00a870', '#ff7d00', '#7b61ff', '#f54a45', '#14c0ff', '#d4a000', '#e3489b', '#2ea121', '#5b6ef5'];

// ---------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------

const state = {
  boot: null,
  people: new Map(), // id → person
  me: null, // person id
  active: null, // conversation id
  messages: new Map(), // id → SimMessage
  msgEls: new Map(), // id → message row element (reused across re-renders: "same element")
  cardEls: new Map(), // id → card element
  source: null, // EventSource
  gen: 0, // bumped on every person switch; stale async work checks it
  drawer: null, // { ref, request } of the open detail drawer
  formCache: new Map(), // request type → form card (field labels and options)
};

// ---------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------

function tz() {
  return state.boot?.timezone || 'Asia/Shanghai';
}

function parts(iso, opts) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  const out = {};
  for (const p of new Intl.DateTimeFormat('zh-CN', { timeZone: tz(), hourCycle: 'h23', ...opts }).formatToParts(d)) out[p.type] = p.value;
  return out;
}

/** 2026-12-20 18:00 in the organisation's timezone. */
function fmtDateTime(iso) {
  const p = parts(iso, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : String(iso);
}

function fmtTime(iso) {
  const p = parts(iso, { hour: '2-digit', minute: '2-digit' });
  return p ? `${p.hour}:${p.minute}` : '';
}

function dayKey(iso) {
  const p = parts(iso, { year: 'numeric', month: '2-digit', day: '2-digit' });
  return p ? `${p.year}-${p.month}-${p.day}` : '';
}

function dayLabel(iso) {
  const key = dayKey(iso);
  const today = dayKey(new Date().toISOString());
  const yesterday = dayKey(new Date(Date.now() - 864e5).toISOString());
  if (key === today) return '今天';
  if (key === yesterday) return '昨天';
  const [y, m, d] = key.split('-');
  return `${y === today.slice(0, 4) ? '' : `${y}年`}${Number(m)}月${Number(d)}日`;
}

const money = (n) => `¥${Number(n).toLocaleString('en-US', { maximumFractionDigits: 2 })}`;

function personName(id) {
  if (!id) return '系统';
  if (id === 'bot') return BOT.name;
  return state.people.get(id)?.name ?? id;
}

function avatarColor(id) {
  let n = 0;
  for (const ch of String(id)) n = (n * 31 + ch.codePointAt(0)) >>> 0;
  return AVATAR_COLORS[n % AVATAR_COLORS.length];
}

/** A round avatar: the last character of a Chinese name (like most chat apps), or the initial. */
function avatar(id, size = '') {
  if (id === 'bot') return h('div', { class: `avatar avatar-bot ${size}`, 'aria-hidden': 'true' }, '签');
  if (id && id.startsWith('room:')) return h('div', { class: `avatar avatar-room ${size}`, 'aria-hidden': 'true' }, '群');
  const name = personName(id);
  const initial = /[\u4e00-\u9fff]/.test(name) ? name.slice(-1) : name.slice(0, 1).toUpperCase();
  const el = h('div', { class: `avatar ${size}`, 'aria-hidden': 'true' }, initial);
  el.style.background = avatarColor(id);
  return el;
}

// ---------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    /* empty or non-JSON body */
  }
  if (!res.ok && !(data && typeof data.status === 'string')) {
    const err = new Error(data?.error || `HTTP ${res.status}`);
    err.status = res.status;
    err.data = data;
    throw err;
  }
  return data;
}

/** POST /api/sim/actions as the current person; returns the ack ({status, feedback?}). */
async function postAction({ messageId = null, action, form }) {
  const body = { as: state.me, messageId, action, clientId: randomId() };
  if (form) body.form = form;
  try {
    return await api('POST', '/api/sim/actions', body);
  } catch (err) {
    return { status: 'error', feedback: { text: errorText(err), tone: 'error' } };
  }
}

function errorText(err) {
  if (err.status === 403) return '你无权操作这条消息';
  if (err.status === 400) return `请求有误：${(err.data?.issues || [err.message]).join('；')}`;
  if (err.status >= 500) return '服务暂时不可用，请稍后再试';
  return err.message || '网络错误';
}

/** Show the server's feedback for an action ack as a toast. */
function showAck(ack, fallback = '已提交') {
  if (ack.feedback?.text) toast(ack.feedback.text, ack.feedback.tone);
  else if (ack.status === 'accepted') toast(fallback, 'success');
  else if (ack.status === 'duplicate') toast('已处理，请勿重复提交', 'info');
  else if (ack.status === 'unavailable') toast('服务暂时不可用，请稍后再试', 'error');
  else toast('操作未成功', 'error');
}

const ok = (ack) => ack.status === 'accepted' || ack.status === 'duplicate';

// ---------------------------------------------------------------------------------------
// Toasts
// ---------------------------------------------------------------------------------------

function toast(text, tone = 'info') {
  const icon = { success: '✓', error: '!', info: 'i' }[tone] ?? 'i';
  const el = h('div', { class: `toast toast-${tone}`, testid: 'toast', role: tone === 'error' ? 'alert' : 'status', dataset: { tone } }, h('span', { class: 'toast-icon', 'aria-hidden': 'true' }, icon), h('span', { class: 'toast-text' }, text));
  $('toasts').append(el);
  setTimeout(() => {
    el.classList.add('leaving');
    setTimeout(() => el.remove(), 300);
  }, tone === 'error' ? 5000 : 3500);
}

// ---------------------------------------------------------------------------------------
// Modals (forms, reason prompt, transfer, add signer)
// ---------------------------------------------------------------------------------------

const modalStack = [];

/** Open a modal dialog; returns { el, close }. `onClose` runs once however it closes. */
function openModal({ title, subtitle, body, footer, testid = 'modal', wide = false, onClose }) {
  const dialog = h(
    'div',
    { class: `modal${wide ? ' modal-wide' : ''}`, testid, role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
    h('div', { class: 'modal-head' }, h('div', {}, h('div', { class: 'modal-title' }, title), subtitle && h('div', { class: 'modal-subtitle' }, subtitle)), h('button', { type: 'button', class: 'icon-btn', 'aria-label': '关闭', testid: 'modal-close', onclick: () => close() }, '✕')),
    h('div', { class: 'modal-body' }, body),
    footer && h('div', { class: 'modal-foot' }, footer),
  );
  const backdrop = h('div', { class: 'modal-backdrop', onmousedown: (e) => e.target === backdrop && close() }, dialog);
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
  requestAnimationFrame(() => dialog.querySelector('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, select')?.focus());
  return { el: dialog, close };
}

/**
 * Ask for a text ("理由", a comment…). Resolves the trimmed text, or null when cancelled.
 * Used for buttons with `needsReason`, withdraw and comment.
 */
function promptText({ title, label = '理由', placeholder = '请填写理由', required = true, okLabel = '确定', danger = false }) {
  return new Promise((resolve) => {
    let result = null;
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
        onsubmit: (e) => {
          e.preventDefault();
          if (required && !input.value.trim()) return;
          result = input.value.trim();
          modal.close();
        },
      },
      h('label', { class: 'field-label', for: 'reason-input' }, label, required && h('span', { class: 'req' }, '*')),
      input,
      h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-default', testid: 'reason-cancel', onclick: () => modal.close() }, '取消'), okBtn),
    );
    const modal = openModal({ title, body: form, testid: 'reason-dialog', onClose: () => resolve(result) });
  });
}

// ---------------------------------------------------------------------------------------
// Forms (the neutral card form: modal "发起申请" and form cards sent by the bot)
// ---------------------------------------------------------------------------------------

/**
 * Build a <form> from a card form model. `onSubmit(values, submitBtn)` gets every input as a
 * string (datetime inputs are `datetime-local`, e.g. 2026-12-20T18:00).
 */
function buildForm(spec, onSubmit, { idPrefix = 'f' } = {}) {
  const controls = [];
  const rows = spec.inputs.map((inp) => {
    const id = `${idPrefix}-${inp.name}`;
    let control;
    const common = { id, name: inp.name, testid: `form-input-${inp.name}`, placeholder: inp.placeholder };
    switch (inp.kind) {
      case 'textarea':
        control = h('textarea', { ...common, rows: 3 });
        break;
      case 'datetime':
        control = h('input', { ...common, type: 'datetime-local', placeholder: undefined });
        break;
      case 'number':
        control = h('input', { ...common, type: 'number', inputmode: 'decimal', step: 'any', min: 0 });
        break;
      case 'select':
        control = h('select', { id, name: inp.name, testid: `form-input-${inp.name}` }, h('option', { value: '' }, '请选择'), (inp.options || []).map((o) => h('option', { value: o.value }, o.label)));
        break;
      default:
        control = h('input', { ...common, type: 'text' });
    }
    if (inp.value !== undefined) control.value = inp.value;
    const error = h('div', { class: 'field-error', testid: `form-error-${inp.name}` });
    control.addEventListener('input', () => row.classList.remove('invalid'));
    control.addEventListener('change', () => row.classList.remove('invalid'));
    controls.push({ inp, control, row: null, error });
    const row = h('div', { class: `form-row${inp.kind === 'textarea' ? ' form-row-wide' : ''}` }, h('label', { class: 'field-label', for: id }, inp.label, inp.required && h('span', { class: 'req', 'aria-hidden': 'true' }, '*')), control, error);
    controls[controls.length - 1].row = row;
    return row;
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'form-submit' }, spec.submit.label || '提交');
  const form = h('form', { class: 'card-form', novalidate: true }, h('div', { class: 'form-grid' }, rows), h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    // Required fields first, in the browser: the server checks everything again.
    let first = null;
    for (const c of controls) {
      const empty = !String(c.control.value).trim();
      const bad = (c.inp.required && empty) || (c.control.validity && !c.control.validity.valid);
      c.row.classList.toggle('invalid', bad);
      c.error.textContent = bad ? (empty ? `请填写${c.inp.label}` : `${c.inp.label}格式不正确`) : '';
      if (bad && !first) first = c.control;
    }
    if (first) {
      first.focus();
      toast('请完善必填项', 'error');
      return;
    }
    const values = {};
    for (const c of controls) values[c.inp.name] = String(c.control.value);
    submit.disabled = true;
    try {
      await onSubmit(values, submit);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

async function formCardFor(type) {
  if (!state.formCache.has(type)) state.formCache.set(type, await api('GET', `/api/sim/forms/${encodeURIComponent(type)}`));
  return state.formCache.get(type);
}

/** 发起申请: the form card of a request type in a modal; submitted with messageId null. */
async function openNewRequest(type) {
  let card;
  try {
    card = await formCardFor(type);
  } catch (err) {
    toast(`无法打开表单：${errorText(err)}`, 'error');
    return;
  }
  const gen = state.gen;
  let modal;
  const form = buildForm(
    card.form,
    async (values) => {
      const ack = await postAction({ messageId: null, action: card.form.submit.action, form: values });
      if (gen !== state.gen) return;
      if (ok(ack)) {
        modal.close();
        toast(ack.feedback?.text || '申请已提交，结果会发到「签批助手」私聊', ack.feedback?.tone || 'success');
        selectConversation(`dm:${state.me}`);
      } else showAck(ack);
    },
    { idPrefix: `new-${type}` },
  );
  modal = openModal({ title: card.title, subtitle: `申请人：${personName(state.me)} · 提交后审批卡片会发给审批人和相关群`, body: form, testid: 'form-modal', wide: true });
}

// ---------------------------------------------------------------------------------------
// Cards
// ---------------------------------------------------------------------------------------

/** The request a card belongs to: its link, a button's action, or the number in its title. */
function requestRef(card) {
  const fromLink = card.link && /#\/requests\/([^/?#]+)/.exec(card.link);
  if (fromLink) return decodeURIComponent(fromLink[1]);
  const withR = (card.buttons || []).find((b) => b.action?.r) || (card.form?.submit?.action?.r ? { action: card.form.submit.action } : null);
  if (withR) return withR.action.r;
  const num = /\b([A-Z]-\d{3,})\b/.exec(card.title || '');
  return num ? num[1] : null;
}

/** Render markdown-ish text (newlines, **bold**, step markers) with text nodes only. */
function renderMarkdown(md) {
  return md.split('\n').map((line) => {
    const marker = /^([✓●✗○–])\s/.exec(line)?.[1];
    const cls = { '✓': 'done', '●': 'current', '✗': 'failed', '○': 'waiting', '–': 'skipped' }[marker] ?? '';
    const lineEl = h('div', { class: `md-line ${cls}` });
    line.split(/(\*\*[^*]+\*\*)/).forEach((seg) => {
      if (/^\*\*[^*]+\*\*$/.test(seg)) lineEl.append(h('strong', {}, seg.slice(2, -2)));
      else if (seg) lineEl.append(document.createTextNode(seg));
    });
    if (!line) lineEl.append(h('br'));
    return lineEl;
  });
}

/** (Re)fill a card element from the card model. The element itself is kept across updates. */
function fillCard(el, msg) {
  const card = msg.card || { title: '', fields: [], buttons: [] };
  const prev = el._card;
  el._card = card;
  el.dataset.version = String(msg.version);
  el.dataset.kind = card.kind || '';
  const tone = card.status?.tone || 'neutral';
  el.className = `card card-tone-${card.status ? tone : 'none'}`;
  el.replaceChildren();

  const ref = requestRef(card);
  el.dataset.request = ref || '';
  const title = ref
    ? h('button', { type: 'button', class: 'card-title linkish', testid: 'card-title', title: '查看申请详情', onclick: () => openDrawer(ref) }, card.title)
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
  if (card.markdown) el.append(h('div', { class: `card-md${prev && prev.markdown !== card.markdown ? ' changed' : ''}`, testid: 'card-markdown' }, renderMarkdown(card.markdown)));

  if (card.form) {
    el.append(
      buildForm(
        card.form,
        async (values) => {
          const ack = await postAction({ messageId: msg.id, action: card.form.submit.action, form: values });
          showAck(ack, '已提交，请留意签批助手的回复');
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
    el.append(h('div', { class: 'card-footer' }, h('span', {}, card.footer || ''), ref && h('button', { type: 'button', class: 'linkish small', testid: 'card-details', onclick: () => openDrawer(ref) }, '查看详情 ›')));
  }
  if (prev) {
    // A live update: briefly highlight the card (and the badge if the status changed).
    if (prev.status?.text !== card.status?.text) head.querySelector('.badge')?.classList.add('changed');
    el.classList.remove('flash');
    void el.offsetWidth; // restart the animation
    el.classList.add('flash');
  }
}

async function onCardButton(cardEl, messageId, button) {
  let form;
  if (button.needsReason) {
    const reason = await promptText({ title: `${button.label} · 填写理由`, label: '理由', placeholder: `请说明${button.label}的理由`, danger: button.style === 'danger', okLabel: button.label });
    if (reason === null) return;
    form = { reason };
  }
  const buttons = cardEl.querySelectorAll('.card-buttons .btn');
  const enable = () => buttons.forEach((b) => (b.disabled = false));
  buttons.forEach((b) => (b.disabled = true));
  const ack = await postAction({ messageId, action: button.action, form });
  showAck(ack);
  // Accepted: the card update (new buttons) follows over the live feed, so keep these disabled
  // against double clicks for a while. Refused or failed: nothing changed, re-enable now.
  if (ok(ack)) setTimeout(enable, 5000);
  else enable();
}

// ---------------------------------------------------------------------------------------
// Conversations and messages
// ---------------------------------------------------------------------------------------

function conversationsOf(personId) {
  const rooms = (state.boot?.rooms || []).filter((r) => r.members.includes(personId));
  return [{ id: `dm:${personId}`, name: BOT.name, kind: 'dm', members: [personId] }, ...rooms.map((r) => ({ id: `room:${r.id}`, name: r.name, kind: 'room', members: r.members }))];
}

function conversation(id) {
  return conversationsOf(state.me).find((c) => c.id === id);
}

function messagesIn(conv) {
  return [...state.messages.values()].filter((m) => m.conversation === conv).sort((a, b) => a.id - b.id);
}

// "Seen" watermark per person and conversation, so unread dots survive reloads.
function loadSeen() {
  try {
    return JSON.parse(localStorage.getItem(LS_SEEN) || '{}');
  } catch {
    return {};
  }
}

function seenOf(conv) {
  return loadSeen()[state.me]?.[conv] ?? 0;
}

function markSeen(conv) {
  const last = messagesIn(conv).at(-1);
  if (!last) return;
  const all = loadSeen();
  all[state.me] = { ...(all[state.me] || {}), [conv]: Math.max(last.id, all[state.me]?.[conv] ?? 0) };
  try {
    localStorage.setItem(LS_SEEN, JSON.stringify(all));
  } catch {
    /* private mode */
  }
}

function unreadCount(conv) {
  if (conv === state.active) return 0;
  const seen = seenOf(conv);
  return messagesIn(conv).filter((m) => m.id > seen && m.sender !== state.me).length;
}

function preview(m) {
  if (!m) return '暂无消息';
  const who = m.sender === state.me ? '我' : m.conversation.startsWith('room:') ? personName(m.sender) : '';
  const body = m.kind === 'card' ? `[卡片] ${m.card?.title ?? ''}` : m.text ?? '';
  return who ? `${who}：${body}` : body;
}

function renderConversationList() {
  const list = $('conv-list');
  list.replaceChildren(
    ...conversationsOf(state.me).map((c) => {
      const msgs = messagesIn(c.id);
      const last = msgs.at(-1);
      const unread = unreadCount(c.id);
      return h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `conv${c.id === state.active ? ' active' : ''}${unread ? ' has-unread' : ''}`,
            testid: `conversation-${c.id}`,
            'aria-current': c.id === state.active ? 'true' : undefined,
            onclick: () => selectConversation(c.id),
          },
          h('div', { class: 'conv-avatar' }, c.kind === 'dm' ? avatar('bot') : avatar(c.id), unread ? h('span', { class: 'unread-dot', testid: `unread-${c.id}`, title: `${unread} 条未读` }, unread > 99 ? '99+' : String(unread)) : null),
          h(
            'div',
            { class: 'conv-text' },
            h('div', { class: 'conv-line' }, h('span', { class: 'conv-name' }, c.name), last && h('span', { class: 'conv-time' }, dayKey(last.createdAt) === dayKey(new Date().toISOString()) ? fmtTime(last.createdAt) : dayLabel(last.createdAt))),
            h('div', { class: 'conv-preview' }, c.kind === 'room' && !last ? `${c.members.length} 位成员` : preview(last)),
          ),
        ),
      );
    }),
  );
}

/** The row of one message; cached by id so a re-render reuses the same element. */
function messageEl(m) {
  let row = state.msgEls.get(m.id);
  if (row) return row;
  const mine = m.sender === state.me;
  const side = m.sender === 'bot' ? 'bot' : mine ? 'self' : 'other';
  const body =
    m.kind === 'card'
      ? (() => {
          const el = h('div', { class: 'card', testid: `card-${m.id}`, dataset: { messageId: String(m.id) } });
          state.cardEls.set(m.id, el);
          fillCard(el, m);
          return el;
        })()
      : h('div', { class: 'bubble', testid: 'message-text' }, m.text ?? '');
  row = h(
    'div',
    { class: `msg msg-${side}${m.kind === 'card' ? ' msg-card' : ''}`, testid: `message-${m.id}`, dataset: { id: String(m.id), sender: m.sender } },
    avatar(m.sender),
    h('div', { class: 'msg-main' }, h('div', { class: 'msg-meta' }, !mine && h('span', { class: 'msg-sender' }, personName(m.sender)), m.sender === 'bot' && h('span', { class: 'bot-tag' }, '机器人'), h('span', { class: 'msg-time', title: fmtDateTime(m.createdAt) }, fmtTime(m.createdAt))), body),
  );
  return row;
}

function nearBottom(el) {
  return el.scrollHeight - el.scrollTop - el.clientHeight < 120;
}

/** Render the active conversation: reuses the cached rows, adds day separators. */
function renderMessages({ scroll = 'auto' } = {}) {
  const box = $('messages');
  const stick = scroll === 'bottom' || (scroll === 'auto' && nearBottom(box));
  const msgs = messagesIn(state.active);
  const nodes = [];
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

function emptyState() {
  const c = conversation(state.active);
  if (c?.kind === 'room') {
    return h('div', { class: 'empty' }, h('div', { class: 'empty-icon' }, '群'), h('div', { class: 'empty-title' }, `${c.name} 暂无消息`), h('div', { class: 'empty-text' }, '新的审批卡片会出现在这里。在群里 @签批 可以让助手回应。'));
  }
  return h(
    'div',
    { class: 'empty' },
    h('div', { class: 'empty-icon empty-bot' }, '签'),
    h('div', { class: 'empty-title' }, '你好，我是签批助手'),
    h('div', { class: 'empty-text' }, '点击右上角「发起申请」填写表单，或者在下方输入「申请活动」「待办」「我的申请」。审批结果和待办都会发到这里。'),
  );
}

function renderChatHeader() {
  const c = conversation(state.active);
  if (!c) return;
  $('chat-title').textContent = c.name;
  $('chat-sub').textContent = c.kind === 'dm' ? '私聊 · 审批通知、待办和结果会发到这里' : `${c.members.length} 位成员：${c.members.map(personName).join('、')} · @签批 让助手回应`;
  $('composer-mention').hidden = c.kind !== 'room';
  $('composer-input').placeholder = c.kind === 'room' ? `发送到 ${c.name}（@签批 让助手回应）` : '给签批助手发消息，例如「待办」，Enter 发送';
  renderQuickReplies(c);
}

function renderQuickReplies(c) {
  let bar = document.getElementById('quick-replies');
  if (!bar) {
    bar = h('div', { class: 'quick-replies', id: 'quick-replies', testid: 'quick-replies' });
    $('composer').before(bar);
  }
  const items = c.kind === 'dm' ? ['申请活动', '待办', '我的申请', '帮助'] : ['@签批 待办', '@签批 帮助'];
  bar.replaceChildren(...items.map((t) => h('button', { type: 'button', class: 'chip', onclick: () => sendText(t) }, t)));
}

function selectConversation(id) {
  if (!conversation(id)) id = `dm:${state.me}`;
  state.active = id;
  try {
    localStorage.setItem(`${LS_CONV}.${state.me}`, id);
  } catch {
    /* ignore */
  }
  renderChatHeader();
  renderMessages({ scroll: 'bottom' });
  markSeen(id);
  renderConversationList();
}

/**
 * Add or replace a message. A higher version of a known card is applied to the same element
 * (and highlighted); a new message in the open conversation is appended.
 */
function upsert(m) {
  const prev = state.messages.get(m.id);
  if (prev && prev.version >= m.version) return false;
  state.messages.set(m.id, m);
  if (prev && m.kind === 'card' && state.cardEls.has(m.id)) fillCard(state.cardEls.get(m.id), m);
  else if (prev) state.msgEls.delete(m.id);
  return !prev;
}

function onLiveMessage(m) {
  const added = upsert(m);
  if (m.conversation === state.active) {
    if (added) renderMessages();
    markSeen(state.active);
  }
  renderConversationList();
  // Keep an open detail drawer current when its request's card changes.
  if (m.kind === 'card' && state.drawer) {
    const ref = requestRef(m.card || {});
    const d = state.drawer;
    if (ref && (ref === d.ref || ref === d.request?.id || ref === d.request?.number || (m.card.title || '').includes(d.request?.number ?? '\u0000'))) scheduleDrawerRefresh();
  }
}

async function loadHistory(gen) {
  const data = await api('GET', `/api/sim/history?as=${encodeURIComponent(state.me)}`);
  if (gen !== state.gen) return;
  let added = false;
  for (const m of data.messages) added = upsert(m) || added;
  renderMessages({ scroll: added ? 'bottom' : 'auto' });
  markSeen(state.active);
  renderConversationList();
}

/** Open the live feed; on every `ready` (first connect and each reconnect) reload history. */
function connect(gen) {
  state.source?.close();
  const es = new EventSource(`/api/sim/stream?as=${encodeURIComponent(state.me)}`);
  state.source = es;
  setConn('connecting');
  es.addEventListener('ready', () => {
    if (gen !== state.gen) return;
    setConn('live');
    loadHistory(gen).catch((err) => toast(`加载消息失败：${errorText(err)}`, 'error'));
  });
  es.addEventListener('message', (e) => {
    if (gen !== state.gen) return;
    try {
      onLiveMessage(JSON.parse(e.data));
    } catch (err) {
      console.error('bad SSE message', err);
    }
  });
  es.addEventListener('error', () => {
    if (gen === state.gen) setConn(es.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
  });
}

function setConn(s) {
  const el = $('conn');
  el.dataset.state = s;
  el.querySelector('span').textContent = { live: '实时连接', connecting: '连接中…', offline: '已断开' }[s];
}

// ---------------------------------------------------------------------------------------
// Person switching
// ---------------------------------------------------------------------------------------

function renderWhoAmI() {
  const p = state.people.get(state.me);
  const av = avatar(state.me);
  $('me-avatar').textContent = av.textContent;
  $('me-avatar').style.background = av.style.background;
  $('me-name').textContent = p.name;
  $('me-meta').replaceChildren(h('span', { class: 'meta-title' }, p.title || '—'), h('span', { class: 'meta-dept' }, p.deptName));
  $('person-picker').value = p.id;
  document.title = `${p.name} · 签批模拟器`;
}

function switchPerson(id) {
  if (!state.people.has(id)) return;
  state.gen += 1;
  state.me = id;
  try {
    localStorage.setItem(LS_PERSON, id);
  } catch {
    /* ignore */
  }
  state.messages.clear();
  state.msgEls.clear();
  state.cardEls.clear();
  closeDrawer();
  while (modalStack.length) modalStack.at(-1).close();
  renderWhoAmI();
  let conv = null;
  try {
    conv = localStorage.getItem(`${LS_CONV}.${id}`);
  } catch {
    /* ignore */
  }
  selectConversation(conv || `dm:${id}`);
  connect(state.gen);
}

// ---------------------------------------------------------------------------------------
// Composer
// ---------------------------------------------------------------------------------------

async function sendText(text) {
  text = text.trim();
  if (!text) return false;
  try {
    await api('POST', '/api/sim/messages', { as: state.me, conversation: state.active, text, clientId: randomId() });
    return true;
  } catch (err) {
    toast(`发送失败：${errorText(err)}`, 'error');
    return false;
  }
}

function setupComposer() {
  const input = $('composer-input');
  const autosize = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  };
  input.addEventListener('input', autosize);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $('composer').requestSubmit();
    }
  });
  $('composer').addEventListener('submit', async (e) => {
    e.preventDefault();
    const send = $('composer-send');
    if (send.disabled) return;
    send.disabled = true;
    if (await sendText(input.value)) {
      input.value = '';
      autosize();
    }
    send.disabled = false;
    input.focus();
  });
  $('composer-mention').addEventListener('click', () => {
    if (!input.value.includes('@签批')) input.value = `@签批 ${input.value}`;
    input.focus();
    autosize();
  });
}

// ---------------------------------------------------------------------------------------
// New request menu
// ---------------------------------------------------------------------------------------

function setupNewRequestMenu() {
  const btn = $('new-request');
  const menu = $('new-request-menu');
  menu.replaceChildren(
    ...state.boot.requestTypes.map((t) =>
      h(
        'button',
        {
          type: 'button',
          role: 'menuitem',
          class: 'menu-item',
          testid: `new-request-${t.id}`,
          onclick: () => {
            toggle(false);
            openNewRequest(t.id);
          },
        },
        h('span', { class: 'menu-item-name' }, t.name),
        h('span', { class: 'menu-item-en' }, t.nameEn),
      ),
    ),
  );
  const toggle = (open) => {
    menu.hidden = !open;
    btn.setAttribute('aria-expanded', String(open));
  };
  btn.addEventListener('click', (e) => {
    e.stopPropagation();
    toggle(menu.hidden);
  });
  document.addEventListener('click', (e) => {
    if (!menu.contains(e.target)) toggle(false);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key !== 'Escape') return;
    if (!menu.hidden) toggle(false);
    else if (modalStack.length) modalStack.at(-1).close();
    else if (state.drawer) closeDrawer();
  });
}

// ---------------------------------------------------------------------------------------
// Request detail drawer
// ---------------------------------------------------------------------------------------

let drawerTimer = null;

function scheduleDrawerRefresh(ms = 250) {
  clearTimeout(drawerTimer);
  drawerTimer = setTimeout(() => state.drawer && loadDrawer(state.drawer.ref, { quiet: true }), ms);
}

function openDrawer(ref) {
  state.drawer = { ref, request: null };
  $('drawer').hidden = false;
  $('drawer-backdrop').hidden = false;
  requestAnimationFrame(() => document.body.classList.add('drawer-open'));
  $('drawer-title').textContent = '申请详情';
  $('drawer-body').replaceChildren(h('div', { class: 'loading' }, '加载中…'));
  loadDrawer(ref);
}

function closeDrawer() {
  clearTimeout(drawerTimer);
  state.drawer = null;
  document.body.classList.remove('drawer-open');
  $('drawer').hidden = true;
  $('drawer-backdrop').hidden = true;
}

async function loadDrawer(ref, { quiet = false } = {}) {
  const gen = state.gen;
  let data;
  try {
    data = await api('GET', `/api/requests/${encodeURIComponent(ref)}`);
  } catch (err) {
    if (!quiet && state.drawer?.ref === ref) $('drawer-body').replaceChildren(h('div', { class: 'empty-text error' }, err.status === 404 ? '找不到该申请' : `加载失败：${errorText(err)}`));
    return;
  }
  let form = null;
  try {
    form = await formCardFor(data.request.type);
  } catch {
    /* labels fall back to the field keys */
  }
  if (gen !== state.gen || state.drawer?.ref !== ref) return;
  state.drawer.request = data.request;
  const scroll = $('drawer-body').scrollTop;
  renderDrawer(data, form);
  if (quiet) $('drawer-body').scrollTop = scroll;
}

/** A payload value as text, using the form's input kinds and options. */
function payloadText(input, value) {
  if (value === undefined || value === null || value === '') return '—';
  if (Array.isArray(value) && value.every((i) => i && typeof i === 'object' && 'amount' in i)) {
    const total = value.reduce((s, i) => s + (Number(i.amount) || 0), 0);
    return `${value.map((i) => `${i.item} ${money(i.amount)}`).join('，')}（合计 ${money(total)}）`;
  }
  if (input?.kind === 'datetime') return fmtDateTime(value);
  if (input?.kind === 'select') return input.options?.find((o) => o.value === value)?.label ?? String(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function timelineText(e, stepName) {
  const d = e.detail || {};
  const step = d.name || stepName(e.stepId) || '';
  switch (e.action) {
    case 'submitted':
      return '提交了申请';
    case 'resubmitted':
      return `修改后重新提交（第 ${d.round ?? '?'} 轮）`;
    case 'within_framework':
      return '符合框架标准';
    case 'fast_track':
      return d.action === 'auto-approve' ? '快速通道：自动通过' : '快速通道：跳过部分审批步骤';
    case 'step_skipped':
      return `跳过「${step}」${d.reason === 'fast_track' ? '（快速通道）' : ''}`;
    case 'step_opened':
      return `「${step}」开始审批，审批人：${(d.approvers || []).map(personName).join('、') || '—'}${d.dueAt ? `，截止 ${fmtDateTime(d.dueAt)}` : ''}`;
    case 'approved_step':
      return `同意了「${step}」`;
    case 'consult_acknowledged':
      return `确认已沟通「${step}」`;
    case 'rejected':
      return `驳回了「${step}」`;
    case 'returned':
      return `退回修改「${step}」`;
    case 'transferred':
      return `将「${step}」转交给 ${personName(d.to)}`;
    case 'signer_added':
      return `在「${step}」${d.position === 'after' ? '之后' : '之前'}加签 ${(d.signers || []).map(personName).join('、')}`;
    case 'withdrawn':
      return '撤回了申请';
    case 'commented':
      return '发表了评论';
    case 'approved':
      return '申请审批通过';
    default:
      if (e.action.startsWith('lifecycle.')) return `进入「${STATUS[d.to]?.[0] ?? d.to ?? e.action.slice(10)}」阶段`;
      return e.action;
  }
}

const SYSTEM_ACTIONS = new Set(['within_framework', 'fast_track', 'step_skipped', 'step_opened', 'approved']);

function renderDrawer(data, form) {
  const { request: r, timeline } = data;
  const inputs = new Map((form?.form?.inputs || []).map((i) => [i.name, i]));
  const cardValues = new Map((data.card?.fields || []).map((f) => [f.label, f.value]));
  const [statusText, tone] = STATUS[r.status] || [r.status, 'neutral'];
  const typeName = state.boot.requestTypes.find((t) => t.id === r.type)?.name ?? r.type;
  $('drawer-title').textContent = `${typeName} ${r.number}`;
  const stepName = (id) => r.steps.find((s) => s.id === id)?.name;

  // Fields: every payload value, in the form's order (unknown keys last).
  const keys = [...inputs.keys()].filter((k) => r.payload[k] !== undefined);
  for (const k of Object.keys(r.payload)) if (!keys.includes(k)) keys.push(k);
  const fields = h(
    'dl',
    { class: 'detail-fields', testid: 'drawer-fields' },
    h('div', { class: 'card-field' }, h('dt', {}, '申请人'), h('dd', {}, `${personName(r.applicantId)}（${state.people.get(r.applicantId)?.deptName ?? r.deptId}）`)),
    h('div', { class: 'card-field' }, h('dt', {}, '提交时间'), h('dd', {}, fmtDateTime(r.createdAt))),
    keys.map((k) => {
      const inp = inputs.get(k);
      const label = inp?.label ?? k;
      // Prefer the server's own formatting where the approval card shows the field.
      const text = cardValues.get(label) ?? payloadText(inp, r.payload[k]);
      return h('div', { class: `card-field${text.length > 22 || text.includes('\n') ? ' wide' : ''}` }, h('dt', {}, label), h('dd', {}, text));
    }),
  );

  // Steps with approvers and decisions.
  const steps = h(
    'ol',
    { class: 'steps', testid: 'drawer-steps' },
    r.steps.map((s, i) => {
      const [label, stTone, mark] = STEP_STATUS[s.status] || [s.status, 'neutral', '·'];
      return h(
        'li',
        { class: `step step-${s.status}${i === r.current ? ' current' : ''}` },
        h('span', { class: `step-mark tone-${stTone}` }, mark),
        h(
          'div',
          { class: 'step-body' },
          h('div', { class: 'step-line' }, h('span', { class: 'step-name' }, s.name), h('span', { class: `badge small tone-${stTone}` }, label)),
          h('div', { class: 'step-approvers' }, `审批人：${s.approvers.map(personName).join('、') || '—'}${s.approvers.length > 1 ? (s.mode === 'all' ? '（会签）' : '（或签）') : ''}`, i === r.current && s.dueAt ? ` · 截止 ${fmtDateTime(s.dueAt)}` : ''),
          s.decisions.map((d) => h('div', { class: `step-decision ${d.decision}` }, `${personName(d.personId)} ${d.decision === 'approve' ? '同意' : '驳回'} · ${fmtDateTime(d.at)} · ${PLATFORM[d.platform] ?? d.platform}`, d.comment && h('div', { class: 'quote' }, d.comment))),
        ),
      );
    }),
  );

  // Timeline: who, what, when, from which platform, comment/reason.
  const tl = h(
    'ol',
    { class: 'timeline', testid: 'drawer-timeline' },
    [...timeline].reverse().map((e) => {
      const system = SYSTEM_ACTIONS.has(e.action) || e.action.startsWith('lifecycle.') || !e.actorId;
      const d = e.detail || {};
      // What a person wrote: a reason, a comment. (System entries' `reason` is a code.)
      const note = system ? null : d.reason || d.comment || d.text;
      return h(
        'li',
        { class: 'tl-item', testid: 'timeline-item', dataset: { action: e.action } },
        system ? h('div', { class: 'avatar avatar-sm avatar-system', 'aria-hidden': 'true' }, '⚙') : avatar(e.actorId, 'avatar-sm'),
        h(
          'div',
          { class: 'tl-body' },
          h('div', { class: 'tl-line' }, h('strong', {}, system ? '系统' : personName(e.actorId)), ' ', timelineText(e, stepName)),
          note && h('div', { class: 'quote' }, String(note)),
          h('div', { class: 'tl-meta' }, h('span', {}, fmtDateTime(e.at)), !system && e.platform && h('span', { class: 'platform', title: '操作来源' }, PLATFORM[e.platform] ?? e.platform)),
        ),
      );
    }),
  );

  const body = $('drawer-body');
  body.replaceChildren();
  append(body, [
    h('div', { class: 'drawer-summary' }, h('div', { class: 'drawer-req-title' }, r.title), h('span', { class: `badge tone-${tone}`, testid: 'drawer-status' }, statusText), r.urgent && h('span', { class: 'badge tone-rejected' }, '加急')),
    drawerActions(r),
    h('section', { class: 'drawer-section' }, h('h3', {}, '申请信息'), fields),
    h('section', { class: 'drawer-section' }, h('h3', {}, '审批进度'), steps),
    h('section', { class: 'drawer-section' }, h('h3', {}, '动态'), tl),
  ]);
}

/** Buttons for what the current person may do from the detail view. */
function drawerActions(r) {
  const open = OPEN.has(r.status);
  const step = open && r.current !== null ? r.steps[r.current] : null;
  const isApplicant = r.applicantId === state.me;
  const isApprover = !!step && step.approvers.includes(state.me) && !step.decisions.some((d) => d.personId === state.me);
  const buttons = [];
  const run = async (action, form, fallback) => {
    const ack = await postAction({ messageId: null, action, form });
    showAck(ack, fallback);
    if (ok(ack)) scheduleDrawerRefresh(800);
  };
  if (isApplicant && open) {
    buttons.push(
      h('button', {
        type: 'button',
        class: 'btn btn-default',
        testid: 'btn-withdraw',
        onclick: async () => {
          const reason = await promptText({ title: '撤回申请', label: '撤回原因（可选）', placeholder: '可不填', required: false, okLabel: '确认撤回', danger: true });
          if (reason === null) return;
          run({ a: 'withdraw', r: r.id }, reason ? { reason } : undefined, '已撤回申请');
        },
      }, '撤回'),
    );
  }
  if ((isApplicant || isApprover) && open) {
    buttons.push(
      h('button', {
        type: 'button',
        class: 'btn btn-default',
        testid: 'btn-comment',
        onclick: async () => {
          const comment = await promptText({ title: '评论', label: '评论', placeholder: '写下你的评论，相关人员会收到通知', okLabel: '发表' });
          if (comment) run({ a: 'comment', r: r.id }, { comment }, '已评论');
        },
      }, '评论'),
    );
  }
  if (isApprover) {
    buttons.push(
      h('button', { type: 'button', class: 'btn btn-default', testid: 'btn-transfer', onclick: () => transferDialog(r, step, run) }, '转交'),
      h('button', { type: 'button', class: 'btn btn-default', testid: 'btn-add_signer', onclick: () => addSignerDialog(r, step, run) }, '加签'),
    );
  }
  if (!buttons.length) return null;
  return h('div', { class: 'drawer-actions', testid: 'drawer-actions' }, buttons);
}

function personOption(p) {
  return h('option', { value: p.id }, `${p.name} · ${p.title || p.deptName}（${p.deptName}）`);
}

function transferDialog(r, step, run) {
  const candidates = [...state.people.values()].filter((p) => p.id !== state.me && !step.approvers.includes(p.id) && p.id !== r.applicantId);
  const select = h('select', { id: 'transfer-to', testid: 'transfer-to' }, h('option', { value: '' }, '选择转交对象'), candidates.map(personOption));
  const comment = h('textarea', { id: 'transfer-comment', testid: 'transfer-comment', rows: 3, placeholder: '可不填' });
  const okBtn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'transfer-ok', disabled: true }, '转交');
  select.addEventListener('change', () => (okBtn.disabled = !select.value));
  const form = h(
    'form',
    {
      class: 'prompt-form',
      onsubmit: (e) => {
        e.preventDefault();
        if (!select.value) return;
        modal.close();
        run({ a: 'transfer', r: r.id, s: step.id }, { to: select.value, ...(comment.value.trim() ? { comment: comment.value.trim() } : {}) }, '已转交');
      },
    },
    h('label', { class: 'field-label', for: 'transfer-to' }, '转交给', h('span', { class: 'req' }, '*')),
    select,
    h('label', { class: 'field-label', for: 'transfer-comment' }, '说明（可选）'),
    comment,
    h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-default', onclick: () => modal.close() }, '取消'), okBtn),
  );
  const modal = openModal({ title: `转交「${step.name}」`, subtitle: `${r.number} ${r.title}`, body: form, testid: 'transfer-dialog' });
}

function addSignerDialog(r, step, run) {
  const candidates = [...state.people.values()].filter((p) => !step.approvers.includes(p.id) && p.id !== r.applicantId);
  const boxes = candidates.map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', value: p.id, testid: `signer-${p.id}` }), avatar(p.id, 'avatar-xs'), h('span', {}, p.name), h('span', { class: 'muted' }, p.title || p.deptName)));
  const position = (v, label, checked) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'position', value: v, testid: `position-${v}`, checked }), label);
  const comment = h('textarea', { id: 'signer-comment', testid: 'signer-comment', rows: 2, placeholder: '可不填' });
  const okBtn = h('button', { type: 'submit', class: 'btn btn-primary', testid: 'add-signer-ok', disabled: true }, '加签');
  const chosen = () => boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
  boxes.forEach((b) => b.querySelector('input').addEventListener('change', () => (okBtn.disabled = !chosen().length)));
  const form = h(
    'form',
    {
      class: 'prompt-form',
      onsubmit: (e) => {
        e.preventDefault();
        const signers = chosen();
        if (!signers.length) return;
        const pos = form.querySelector('input[name=position]:checked')?.value || 'before';
        modal.close();
        run({ a: 'add_signer', r: r.id, s: step.id }, { signers: signers.join(','), position: pos, ...(comment.value.trim() ? { comment: comment.value.trim() } : {}) }, '已加签');
      },
    },
    h('div', { class: 'field-label' }, '加签人', h('span', { class: 'req' }, '*')),
    h('div', { class: 'check-list', testid: 'signer-list' }, boxes),
    h('div', { class: 'field-label' }, '加签位置'),
    h('div', { class: 'radio-row' }, position('before', '在我之前审批', true), position('after', '在我之后审批', false)),
    h('label', { class: 'field-label', for: 'signer-comment' }, '说明（可选）'),
    comment,
    h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-default', onclick: () => modal.close() }, '取消'), okBtn),
  );
  const modal = openModal({ title: `加签「${step.name}」`, subtitle: `${r.number} ${r.title}`, body: form, testid: 'add-signer-dialog' });
}

// ---------------------------------------------------------------------------------------
// Boot
// ---------------------------------------------------------------------------------------

async function main() {
  try {
    state.boot = await api('GET', '/api/sim/bootstrap');
  } catch (err) {
    document.body.replaceChildren(h('div', { class: 'fatal' }, h('h1', {}, '签批模拟器无法启动'), h('p', {}, errorText(err))));
    return;
  }
  for (const p of state.boot.people) state.people.set(p.id, p);
  $('org-name').textContent = state.boot.organisation;

  // The person picker, grouped by department.
  const picker = $('person-picker');
  const byDept = new Map();
  for (const p of state.boot.people) byDept.set(p.deptName, [...(byDept.get(p.deptName) || []), p]);
  picker.replaceChildren(...[...byDept].map(([dept, people]) => h('optgroup', { label: dept }, people.map((p) => h('option', { value: p.id }, `${p.name} · ${p.title || dept}`)))));
  picker.addEventListener('change', () => switchPerson(picker.value));

  setupNewRequestMenu();
  setupComposer();
  $('drawer-close').addEventListener('click', closeDrawer);
  $('drawer-backdrop').addEventListener('click', closeDrawer);

  let saved = null;
  try {
    saved = localStorage.getItem(LS_PERSON);
  } catch {
    /* ignore */
  }
  const fromUrl = new URLSearchParams(location.search).get('as');
  switchPerson([fromUrl, saved].find((id) => id && state.people.has(id)) || state.boot.people[0].id);
  document.body.classList.add('ready');

  // Deep link: #/requests/<id> (cards' `link`) opens the detail drawer.
  const openFromHash = () => {
    const m = /^#\/requests\/([^/?#]+)/.exec(location.hash);
    if (m) openDrawer(decodeURIComponent(m[1]));
  };
  window.addEventListener('hashchange', openFromHash);
  openFromHash();
}

main();
