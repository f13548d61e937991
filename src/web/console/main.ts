// The web console (Vue 3, render functions in TypeScript so tsc checks every view): sign-in,
// the request list with filters, search and exports, a request's detail with the card's
// actions, department counts. Routes live in the URL hash (#/r/A-12 opens a request), so a
// card's link and a phone's back button work without server routes per page.
import { createApp, defineAsyncComponent, defineComponent, h, onMounted, reactive, ref, watch, type VNode } from 'vue';
import { t, tAny, type Locale, type MessageKey, type ParamArgs } from '../../core/i18n/index.js';
import { api, ApiError, type Detail, type Row, type Session } from './api.js';
import { HealthView, OrgView } from './views/org.js';

// The charts (and ECharts with them) load when the dashboard is first opened: a card's link to a request on a phone does not wait for them.
const DashboardView = defineAsyncComponent(() => import('./views/dashboard.js').then((m) => m.DashboardView));

const state = reactive({ session: null as Session | null, locale: 'zh-CN' as Locale, route: location.hash.slice(1) || '/requests', error: '' });
const tr = <K extends MessageKey>(key: K, ...p: ParamArgs<K>) => t(state.locale, key, ...p);
window.addEventListener('hashchange', () => (state.route = location.hash.slice(1) || '/requests'));
const go = (route: string) => (location.hash = route);
const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString(state.locale, { dateStyle: 'short', timeStyle: 'short' }) : '');

async function refreshSession() {
  state.session = await api.session();
  state.locale = (localStorage.getItem('console.locale') as Locale | null) ?? state.session.locale;
  document.documentElement.lang = state.locale;
  document.title = tr('console.title');
}

const SignIn = defineComponent(() => {
  const token = ref('');
  const signIn = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
      state.error = '';
      await refreshSession();
    } catch (e) {
      state.error = (e as Error).message;
    }
  };
  return () => {
    const s = state.session!;
    return h('main', [
      s.methods.simulator
        ? h('section', { class: 'card' }, [h('h2', tr('console.sign_in.simulator')), h('div', { class: 'people' }, s.people.map((p) => h('button', { 'data-testid': `as-${p.id}`, onClick: () => signIn(() => api.signInAs(p.id)) }, `${p.name} · ${p.deptName}`)))])
        : null,
      s.methods.admin
        ? h('section', { class: 'card' }, [
            h('h2', tr('console.sign_in.admin')),
            h('input', { type: 'password', placeholder: tr('console.sign_in.token'), value: token.value, 'data-testid': 'admin-token', onInput: (e: Event) => (token.value = (e.target as HTMLInputElement).value) }),
            ' ',
            h('button', { class: 'primary', 'data-testid': 'admin-sign-in', onClick: () => signIn(() => api.signInAdmin(token.value)) }, tr('console.sign_in')),
          ])
        : null,
      state.error ? h('p', { class: 'error' }, state.error) : null,
    ]);
  };
});

const FILTERS = ['status', 'type', 'dept', 'from', 'to', 'q', 'overdue'] as const;

const RequestList = defineComponent(() => {
  const f = reactive(Object.fromEntries(FILTERS.map((k) => [k, ''])) as Record<(typeof FILTERS)[number], string>);
  const rows = ref<Row[]>([]);
  const next = ref<string | null>(null);
  const query = () => new URLSearchParams(Object.entries(f).filter(([, v]) => v)).toString();
  const load = async (more = false) => {
    const page = await api.list(`${query()}${more && next.value ? `&cursor=${next.value}` : ''}`);
    rows.value = more ? [...rows.value, ...page.items] : page.items;
    next.value = page.next;
  };
  onMounted(() => void load());
  const select = (key: 'status' | 'type' | 'dept', options: Array<{ id: string; name: string }>) =>
    h('select', { 'data-testid': `filter-${key}`, value: f[key], onChange: (e: Event) => ((f[key] = (e.target as HTMLSelectElement).value), void load()) }, [
      h('option', { value: '' }, `${tr(`console.filter.${key}`)}: ${tr('console.filter.all')}`),
      ...options.map((o) => h('option', { value: o.id }, o.name)),
    ]);
  return () => {
    const s = state.session!;
    const statuses = ['pending', 'consulting', 'approved', 'rejected', 'returned', 'withdrawn'].map((id) => ({ id, name: tAny(state.locale, `status.${id}`) }));
    return h('main', [
      h('div', { class: 'filters' }, [
        h('input', { type: 'search', 'data-testid': 'filter-q', placeholder: tr('console.filter.q'), value: f.q, onInput: (e: Event) => (f.q = (e.target as HTMLInputElement).value), onKeydown: (e: KeyboardEvent) => e.key === 'Enter' && void load() }),
        select('status', statuses),
        select('type', s.types),
        s.departments.length ? select('dept', s.departments) : null,
        h('input', { type: 'date', 'data-testid': 'filter-from', title: tr('console.filter.from'), value: f.from, onChange: (e: Event) => ((f.from = (e.target as HTMLInputElement).value), void load()) }),
        h('input', { type: 'date', 'data-testid': 'filter-to', title: tr('console.filter.to'), value: f.to, onChange: (e: Event) => ((f.to = (e.target as HTMLInputElement).value), void load()) }),
        h('label', [h('input', { type: 'checkbox', 'data-testid': 'filter-overdue', checked: f.overdue === '1', onChange: (e: Event) => ((f.overdue = (e.target as HTMLInputElement).checked ? '1' : ''), void load()) }), ' ', tr('console.filter.overdue')]),
        h('button', { class: 'primary', 'data-testid': 'search', onClick: () => void load() }, tr('console.filter.apply')),
        h('a', { href: `/api/console/export.xlsx?${query()}`, 'data-testid': 'export-xlsx' }, tr('console.export.xlsx')),
        h('a', { href: `/api/console/export.csv?${query()}`, 'data-testid': 'export-csv' }, tr('console.export.csv')),
        h('a', { href: `/api/console/export/decisions.xlsx?${query()}`, 'data-testid': 'export-decisions' }, tr('console.export.decisions')),
        h('a', { href: `/api/console/export/reimbursements.xlsx?${query()}`, 'data-testid': 'export-reimbursements' }, tr('console.export.reimbursements')),
      ]),
      rows.value.length
        ? h('table', { 'data-testid': 'requests' }, [
            h('thead', h('tr', (['number', 'title', 'type', 'status', 'applicant', 'dept', 'waiting', 'due'] as const).map((c) => h('th', tr(`console.col.${c}`))))),
            h('tbody', rows.value.map((r) => h('tr', { class: r.overdue ? 'overdue' : '', 'data-testid': `row-${r.number}`, onClick: () => go(`/r/${r.number}`) }, [
              h('td', h('a', { href: `#/r/${r.number}` }, r.number)), h('td', r.title), h('td', r.typeName), h('td', r.statusText), h('td', r.applicantName), h('td', r.deptName), h('td', r.waitingOn.join(tr('console.list_separator'))), h('td', time(r.dueAt)),
            ]))),
          ])
        : h('p', { 'data-testid': 'empty' }, tr('console.empty')),
      next.value ? h('button', { onClick: () => void load(true) }, tr('console.more')) : null,
    ]);
  };
});

const RequestDetail = defineComponent({
  props: { reference: { type: String, required: true } },
  setup(props) {
    const d = ref<Detail | null>(null);
    const error = ref('');
    const feedback = ref('');
    const form = reactive({ reason: '', to: '' });
    const load = async () => {
      try {
        d.value = await api.detail(props.reference);
        error.value = '';
      } catch (e) {
        error.value = e instanceof ApiError && e.status === 403 ? tr('console.forbidden') : e instanceof ApiError && e.status === 404 ? tr('console.not_found') : (e as Error).message;
      }
    };
    watch(() => props.reference, () => void load(), { immediate: true });
    const act = async (action: string) => {
      try {
        const body: Record<string, string> = { action };
        if (form.reason) body[action === 'comment' ? 'comment' : 'reason'] = form.reason;
        if (action === 'transfer') body.to = form.to;
        feedback.value = (await api.act(props.reference, body)).feedback;
        form.reason = '';
        await load();
      } catch (e) {
        feedback.value = (e as Error).message;
      }
    };
    return () => {
      if (error.value) return h('main', [h('p', { class: 'error', 'data-testid': 'detail-error' }, error.value), h('a', { href: '#/requests' }, tr('console.detail.back'))]);
      const v = d.value;
      if (!v) return h('main');
      const name = (id: string | null) => (id ? (v.people[id] ?? id) : '');
      const active = v.request.steps.filter((s) => s.status === 'active');
      return h('main', { 'data-testid': 'detail' }, [
        h('a', { href: '#/requests' }, tr('console.detail.back')),
        h('section', { class: 'card' }, [
          h('h2', `${v.request.number} ${v.request.title}`),
          h('p', { 'data-testid': 'detail-status' }, tAny(state.locale, `status.${v.request.status}`)),
          ...active.map((s) => h('p', tr('console.detail.waiting', { who: s.approvers.map(name).join(tr('console.list_separator')), due: time(s.dueAt ?? null) }))),
          h('dl', (v.card.fields ?? []).flatMap((f) => [h('dt', f.label), h('dd', f.value)])),
        ]),
        v.canAct.length
          ? h('section', { class: 'card' }, [
              h('input', { 'data-testid': 'act-reason', placeholder: tr('console.act.reason'), value: form.reason, onInput: (e: Event) => (form.reason = (e.target as HTMLInputElement).value) }),
              v.canAct.includes('transfer') ? h('input', { 'data-testid': 'act-to', placeholder: tr('console.act.to'), value: form.to, onInput: (e: Event) => (form.to = (e.target as HTMLInputElement).value) }) : null,
              h('div', { class: 'actions' }, v.canAct.map((a) => h('button', { 'data-testid': `act-${a}`, class: a === 'approve' ? 'primary' : '', onClick: () => void act(a) }, tAny(state.locale, `console.act.${a}`)))),
              feedback.value ? h('p', { 'data-testid': 'act-feedback' }, feedback.value) : null,
            ])
          : null,
        h('section', { class: 'card' }, [h('h3', tr('console.detail.timeline')), h('ul', { 'data-testid': 'timeline' }, v.timeline.map((e) => h('li', `${time(e.at)} ${name(e.actorId)} ${tAny(state.locale, `sim.tl.${e.action}`)}`)))]),
      ]);
    };
  },
});

const Dashboard = defineComponent(() => {
  const counts = ref<{ byStatus: Record<string, number>; byType: Record<string, number>; overdue: number } | null>(null);
  onMounted(async () => (counts.value = await api.dashboard('')));
  return () => {
    const c = counts.value;
    if (!c) return h('main');
    const list = (o: Record<string, number>, label: (k: string) => string) => h('ul', Object.entries(o).map(([k, n]) => h('li', `${label(k)}: ${n}`)));
    return h('main', { 'data-testid': 'dashboard' }, [
      h('section', { class: 'card' }, [h('h3', tr('console.dashboard.by_status')), list(c.byStatus, (k) => tAny(state.locale, `status.${k}`))]),
      h('section', { class: 'card' }, [h('h3', tr('console.dashboard.by_type')), list(c.byType, (k) => state.session?.types.find((x) => x.id === k)?.name ?? k)]),
      h('p', tr('console.dashboard.overdue', { n: c.overdue })),
    ]);
  };
});

const App = defineComponent(() => {
  onMounted(() => void refreshSession());
  const toggleLocale = () => {
    state.locale = state.locale === 'zh-CN' ? 'en' : 'zh-CN';
    localStorage.setItem('console.locale', state.locale);
  };
  return (): VNode => {
    const s = state.session;
    if (!s) return h('div');
    const header = h('header', [
      h('span', { class: 'brand' }, `${tr('console.title')} · ${s.organisation}`),
      s.signedIn ? h('a', { href: '#/requests' }, tr('console.nav.requests')) : null,
      s.signedIn ? h('a', { href: '#/dashboard' }, tr('console.nav.dashboard')) : null,
      s.signedIn ? h('a', { href: '#/charts', 'data-testid': 'nav-charts' }, tr('console.nav.charts')) : null,
      s.signedIn && (s.admin || s.departments.length) ? h('a', { href: '#/org', 'data-testid': 'nav-org' }, tr('console.nav.directory')) : null,
      s.signedIn && (s.admin || s.departments.length) ? h('a', { href: '#/health', 'data-testid': 'nav-health' }, tr('console.nav.health')) : null,
      h('a', { href: '/openapi' }, tr('console.health.routes')),
      h('button', { onClick: toggleLocale }, tr('console.lang')),
      s.signedIn ? h('span', { 'data-testid': 'whoami' }, s.person?.name ?? tr('console.admin')) : null,
      s.signedIn ? h('button', { 'data-testid': 'sign-out', onClick: async () => (await api.signOut(), await refreshSession()) }, tr('console.sign_out')) : null,
    ]);
    if (!s.signedIn) return h('div', [header, h(SignIn)]);
    const r = state.route;
    const views: Record<string, () => VNode> = {
      '/dashboard': () => h(Dashboard),
      '/charts': () => h(DashboardView, { locale: state.locale, departments: s.departments }),
      '/org': () => h(OrgView, { locale: state.locale }),
      '/health': () => h(HealthView, { locale: state.locale }),
    };
    const body = r.startsWith('/r/') ? h(RequestDetail, { reference: decodeURIComponent(r.slice(3)) }) : (views[r]?.() ?? h(RequestList));
    return h('div', [header, body]);
  };
});

createApp(App).mount('#console');
