// The request detail drawer: fields, steps and timeline of one request, kept current while open.
import { api, ApiError, errorText } from './api.js';
import { $, append, h } from './dom.js';
import { drawerActions } from './drawer-actions.js';
import { fileList } from './files.js';
import { formCardFor } from './form.js';
import { avatar, fmtDateTime, money, names, personName, platformName, statusOf, stepStatusOf } from './format.js';
import { tr, trAny } from './i18n.js';
import { boot, state } from './state.js';
import type { Card, FormInput, RequestDetail, TimelineEntry } from './types.js';

let drawerTimer: ReturnType<typeof setTimeout> | undefined;

export function scheduleDrawerRefresh(ms = 250): void {
  clearTimeout(drawerTimer);
  drawerTimer = setTimeout(() => state.drawer && void loadDrawer(state.drawer.ref, { quiet: true }), ms);
}

export function openDrawer(ref: string): void {
  state.drawer = { ref, request: null };
  $('drawer').hidden = false;
  $('drawer-backdrop').hidden = false;
  requestAnimationFrame(() => document.body.classList.add('drawer-open'));
  $('drawer-title').textContent = tr('sim.drawer.title');
  $('drawer-body').replaceChildren(h('div', { class: 'loading' }, tr('sim.loading')));
  void loadDrawer(ref);
}

export function closeDrawer(): void {
  clearTimeout(drawerTimer);
  state.drawer = null;
  document.body.classList.remove('drawer-open');
  $('drawer').hidden = true;
  $('drawer-backdrop').hidden = true;
}

async function loadDrawer(ref: string, { quiet = false } = {}): Promise<void> {
  const gen = state.gen;
  let data: RequestDetail;
  try {
    data = await api<RequestDetail>('GET', `/api/requests/${encodeURIComponent(ref)}`);
  } catch (err) {
    if (!quiet && state.drawer?.ref === ref) $('drawer-body').replaceChildren(h('div', { class: 'empty-text error' }, err instanceof ApiError && err.status === 404 ? tr('refuse.unknown_request') : tr('sim.load_failed', { error: errorText(err) })));
    return;
  }
  let form: Card | null = null;
  try {
    form = await formCardFor(data.request.type);
  } catch {
    /* labels fall back to the field keys */
  }
  if (gen !== state.gen || state.drawer?.ref !== ref) return;
  state.drawer.request = data.request;
  const body = $('drawer-body');
  const scroll = body.scrollTop;
  renderDrawer(data, form);
  if (quiet) body.scrollTop = scroll;
}

type BudgetItem = { item: string; amount: unknown };
const isBudget = (value: unknown): value is BudgetItem[] => Array.isArray(value) && value.every((i) => i && typeof i === 'object' && 'amount' in i);

/** A payload value as text, using the form's input kinds and options. */
function payloadText(input: FormInput | undefined, value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  if (isBudget(value)) {
    const total = value.reduce((s, i) => s + (Number(i.amount) || 0), 0);
    return tr('sim.payload.budget', { items: value.map((i) => `${i.item} ${money(i.amount)}`).join(tr('sim.item_sep')), total: money(total) });
  }
  if (input?.kind === 'datetime') return fmtDateTime(String(value));
  if (input?.kind === 'select') return input.options?.find((o) => o.value === value)?.label ?? String(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function timelineText(e: TimelineEntry, stepName: (id: string | null | undefined) => string | undefined): string {
  const d = (e.detail || {}) as Record<string, unknown> & { name?: string; to?: string; approvers?: string[]; signers?: string[]; dueAt?: string };
  const step = d.name || stepName(e.stepId) || '';
  switch (e.action) {
    case 'submitted':
      return tr('sim.tl.submitted');
    case 'resubmitted':
      return tr('sim.tl.resubmitted', { round: String(d.round ?? '?') });
    case 'within_framework':
      return tr('sim.tl.within_framework');
    case 'fast_track':
      return d.action === 'auto-approve' ? tr('sim.tl.fast_track_auto') : tr('sim.tl.fast_track_skip');
    case 'step_skipped':
      return d.reason === 'fast_track' ? tr('sim.tl.step_skipped_fast', { step }) : tr('sim.tl.step_skipped', { step });
    case 'step_opened':
      return tr('sim.tl.step_opened', { step, approvers: names(d.approvers || []) || '—' }) + (d.dueAt ? tr('sim.tl.due', { due: fmtDateTime(d.dueAt) }) : '');
    case 'approved_step':
      return tr('sim.tl.approved_step', { step });
    case 'consult_acknowledged':
      return tr('sim.tl.consult_acknowledged', { step });
    case 'rejected':
      return tr('sim.tl.rejected', { step });
    case 'returned':
      return tr('sim.tl.returned', { step });
    case 'transferred':
      return tr('sim.tl.transferred', { step, to: personName(d.to) });
    case 'signer_added':
      return tr(d.position === 'after' ? 'sim.tl.signer_added_after' : 'sim.tl.signer_added_before', { step, signers: names(d.signers || []) });
    case 'withdrawn':
      return tr('sim.tl.withdrawn');
    case 'commented':
      return tr('sim.tl.commented');
    case 'approved':
      return tr('sim.tl.approved');
    case 'step_auto_approved':
      return tr(d.reason === 'same_approver' ? 'sim.tl.auto_same_approver' : 'sim.tl.auto_no_approver', { step });
    case 'approver_assigned':
      return tr('sim.tl.approver_assigned', { step, approvers: names(d.approvers || []) || '—' });
    default:
      if (e.action.startsWith('lifecycle.')) return tr('sim.tl.lifecycle', { status: d.to ? statusOf(d.to)[0] : e.action.slice(10) });
      // Every other entry by its catalog label; never its internal name.
      return trAny(`sim.tl.${e.action}`) === `sim.tl.${e.action}` ? tr('sim.tl.other') : trAny(`sim.tl.${e.action}`);
  }
}

/** The printable archive (page and PDF) through links signed for the person viewing. */
function archiveLinks(requestId: string): HTMLElement {
  const html = h('a', { class: 'btn btn-default small', target: '_blank', rel: 'noopener', testid: 'archive-html', hidden: true }, tr('sim.drawer.archive_html'));
  const pdf = h('a', { class: 'btn btn-default small', target: '_blank', rel: 'noopener', testid: 'archive-pdf', hidden: true }, tr('sim.drawer.archive_pdf'));
  void api<{ html: string; pdf: string }>('GET', `/api/requests/${encodeURIComponent(requestId)}/archive-link?personId=${encodeURIComponent(state.me)}`)
    .then((links) => {
      html.href = links.html;
      pdf.href = links.pdf;
      html.hidden = pdf.hidden = false;
    })
    .catch(() => {
      /* not theirs to see: no links */
    });
  return h('div', { class: 'drawer-archive', testid: 'drawer-archive' }, pdf, html);
}

const SYSTEM_ACTIONS = new Set(['within_framework', 'fast_track', 'step_skipped', 'step_opened', 'approved', 'step_auto_approved', 'approver_assigned']);

function renderDrawer(data: RequestDetail, form: Card | null): void {
  const { request: r, timeline } = data;
  const inputs = new Map((form?.form?.inputs || []).map((i) => [i.name, i]));
  const cardValues = new Map((data.card?.fields || []).map((f) => [f.label, f.value]));
  const [statusText, tone] = statusOf(r.status);
  const typeName = boot().requestTypes.find((t) => t.id === r.type)?.name ?? r.type;
  $('drawer-title').textContent = `${typeName} ${r.number}`;
  const stepName = (id: string | null | undefined) => r.steps.find((s) => s.id === id)?.name;

  // Fields: every payload value, in the form's order (unknown keys last).
  const keys = [...inputs.keys()].filter((k) => r.payload[k] !== undefined);
  for (const k of Object.keys(r.payload)) if (!keys.includes(k)) keys.push(k);
  const fields = h(
    'dl',
    { class: 'detail-fields', testid: 'drawer-fields' },
    h('div', { class: 'card-field' }, h('dt', {}, tr('sim.drawer.applicant')), h('dd', {}, tr('sim.person_with_dept', { name: personName(r.applicantId), dept: state.people.get(r.applicantId)?.deptName ?? r.deptId }))),
    h('div', { class: 'card-field' }, h('dt', {}, tr('sim.drawer.submitted_at')), h('dd', {}, fmtDateTime(r.createdAt))),
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
      const [label, stTone, mark] = stepStatusOf(s.status);
      const mode = s.approvers.length > 1 ? tr(s.mode === 'all' ? 'sim.drawer.mode_all' : 'sim.drawer.mode_any') : '';
      return h(
        'li',
        { class: `step step-${s.status}${i === r.current ? ' current' : ''}` },
        h('span', { class: `step-mark tone-${stTone}` }, mark),
        h(
          'div',
          { class: 'step-body' },
          h('div', { class: 'step-line' }, h('span', { class: 'step-name' }, s.name), h('span', { class: `badge small tone-${stTone}` }, label)),
          h('div', { class: 'step-approvers' }, tr('sim.drawer.approvers', { names: names(s.approvers) || '—' }) + mode, i === r.current && s.dueAt ? tr('sim.drawer.due', { due: fmtDateTime(s.dueAt) }) : ''),
          s.decisions.map((d) =>
            h(
              'div',
              { class: `step-decision ${d.decision}` },
              tr(`sim.drawer.decision_${d.decision}`, { name: personName(d.personId), at: fmtDateTime(d.at), platform: platformName(d.platform) }),
              d.comment && h('div', { class: 'quote' }, d.comment),
            ),
          ),
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
        system ? h('div', { class: 'avatar avatar-sm avatar-system', 'aria-hidden': 'true' }, '⚙') : avatar(e.actorId!, 'avatar-sm'),
        h(
          'div',
          { class: 'tl-body' },
          h('div', { class: 'tl-line' }, h('strong', {}, system ? tr('sim.system') : personName(e.actorId)), ' ', timelineText(e, stepName)),
          note ? h('div', { class: 'quote' }, String(note)) : null,
          h('div', { class: 'tl-meta' }, h('span', {}, fmtDateTime(e.at)), !system && e.platform && h('span', { class: 'platform', title: tr('sim.drawer.platform_title') }, platformName(e.platform))),
        ),
      );
    }),
  );

  const section = (title: string, content: HTMLElement) => h('section', { class: 'drawer-section' }, h('h3', {}, title), content);
  const files = data.card?.attachments?.length ? fileList(data.card.attachments) : null;
  const body = $('drawer-body');
  body.replaceChildren();
  append(body, [
    h('div', { class: 'drawer-summary' }, h('div', { class: 'drawer-req-title' }, r.title), h('span', { class: `badge tone-${tone}`, testid: 'drawer-status' }, statusText), r.urgent && h('span', { class: 'badge tone-rejected' }, tr('sim.drawer.urgent'))),
    drawerActions(r, scheduleDrawerRefresh),
    section(tr('sim.drawer.fields'), fields),
    files && section(tr('archive.files'), files),
    archiveLinks(r.id),
    section(tr('sim.drawer.steps'), steps),
    section(tr('sim.drawer.timeline'), tl),
  ]);
}
