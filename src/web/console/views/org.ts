// The directory page (people, departments, each person's accounts on each platform) and the
// health page (directory sync, org doctor findings, the calendar's years, the channels), for
// admins and department managers; others get the server's 403 as a sentence.
import { defineComponent, h, onMounted, ref, type PropType, type VNode } from 'vue';
import { t, tAny, type Locale } from '../../../core/i18n/index.js';
import { ApiError } from '../api.js';
import { dashboardApi, type HealthPage, type OrgPage } from './dashboard-api.js';

/** Loads once; a 403 becomes the catalog's sentence. */
function loader<T>(fetch: () => Promise<T>, locale: () => Locale) {
  const data = ref<T | null>(null);
  const error = ref('');
  onMounted(async () => {
    try {
      data.value = await fetch();
    } catch (e) {
      error.value = e instanceof ApiError && e.status === 403 ? t(locale(), 'console.org.forbidden') : (e as Error).message;
    }
  });
  return { data, error };
}

const platformName = (locale: Locale, p: string) => tAny(locale, `sim.platform.${p}`);

export const OrgView = defineComponent({
  props: { locale: { type: String as PropType<Locale>, required: true } },
  setup(props) {
    const { data, error } = loader<OrgPage>(dashboardApi.org, () => props.locale);
    return () => {
      const L = props.locale;
      if (error.value) return h('main', [h('p', { class: 'error', 'data-testid': 'org-error' }, error.value)]);
      const o = data.value;
      if (!o) return h('main');
      return h('main', { 'data-testid': 'org' }, [
        h('section', { class: 'card' }, [
          h('h3', t(L, 'console.org.departments')),
          h('ul', { 'data-testid': 'departments' }, o.departments.map((d) => h('li', { 'data-testid': `dept-${d.id}` }, [
            h('strong', d.name), ' ',
            d.leadName ? t(L, 'console.org.lead', { name: d.leadName }) : '', ' · ',
            t(L, 'console.org.count', { n: d.people }),
          ]))),
        ]),
        h('section', { class: 'card' }, [
          h('h3', t(L, 'console.org.people')),
          h('table', { 'data-testid': 'people' }, [
            h('thead', h('tr', [h('th', t(L, 'console.col.applicant')), h('th', t(L, 'console.col.dept')), h('th', t(L, 'console.org.title')), h('th', t(L, 'console.org.roles')), h('th', t(L, 'console.org.links'))])),
            h('tbody', o.people.map((p) => {
              const links = Object.entries(p.links);
              return h('tr', { 'data-testid': `person-${p.id}` }, [
                h('td', h('strong', p.name)),
                h('td', p.deptName),
                h('td', p.title ?? ''),
                h('td', p.roles.join(t(L, 'console.list_separator'))),
                h('td', links.length
                  ? links.map(([pl, id]) => h('span', { class: 'chip', 'data-testid': `link-${p.id}-${pl}` }, `${platformName(L, pl)} ${id}`))
                  : h('span', { class: 'muted' }, t(L, 'console.org.no_links'))),
              ]);
            })),
          ]),
        ]),
      ]);
    };
  },
});

export const HealthView = defineComponent({
  props: { locale: { type: String as PropType<Locale>, required: true } },
  setup(props) {
    const { data, error } = loader<HealthPage>(dashboardApi.health, () => props.locale);
    const status = (ok: boolean) => h('span', { class: ok ? 'ok' : 'bad' }, t(props.locale, ok ? 'console.health.ok' : 'console.health.down'));
    return () => {
      const L = props.locale;
      if (error.value) return h('main', [h('p', { class: 'error', 'data-testid': 'health-error' }, error.value)]);
      const s = data.value;
      if (!s) return h('main');
      const d = s.doctor;
      const findings: VNode[] = [
        ...d.emptySteps.map((f) => h('li', t(L, 'console.health.doctor.empty_step', { workflow: f.workflow, step: f.stepName, dept: f.deptName, outcome: f.outcome }))),
        ...d.emptyRoles.map((role) => h('li', t(L, 'console.health.doctor.empty_role', { role }))),
        ...d.unknownPeople.map((u) => h('li', t(L, 'console.health.doctor.unknown_person', { person: u.person, where: u.where }))),
        ...d.deptsWithoutLead.map((dept) => h('li', t(L, 'console.health.doctor.no_lead', { dept }))),
      ];
      const issues = s.directory ? Object.values(s.directory.issueCounts).reduce((a, b) => a + b, 0) : 0;
      return h('main', { 'data-testid': 'health' }, [
        h('section', { class: 'card', 'data-testid': 'health-channels' }, [
          h('h3', t(L, 'console.health.channels')),
          h('ul', s.channels.map((c) => h('li', { 'data-testid': `channel-${c.platform}` }, [platformName(L, c.platform), ' ', status(c.ok), c.detail ? ` ${c.detail}` : '']))),
        ]),
        h('section', { class: 'card', 'data-testid': 'health-directory' }, [
          h('h3', t(L, 'console.health.directory')),
          s.directory
            ? h('ul', [
                ...s.directory.platforms.map((p) => h('li', t(L, 'console.health.sync_row', {
                  platform: platformName(L, p.platform), outcome: tAny(L, `console.health.sync.${p.outcome}`), users: p.users, departments: p.departments,
                  at: p.finishedAt ? new Date(p.finishedAt).toLocaleString(L) : '',
                }))),
                h('li', t(L, 'console.health.issues', { n: issues })),
              ])
            : h('p', { class: 'muted' }, t(L, 'console.health.directory_off')),
        ]),
        h('section', { class: 'card', 'data-testid': 'health-doctor' }, [
          h('h3', `${t(L, 'console.health.doctor')} (${d.total})`),
          findings.length ? h('ul', findings) : h('p', t(L, 'console.health.doctor_ok')),
        ]),
        h('section', { class: 'card', 'data-testid': 'health-calendar' }, [
          h('h3', t(L, 'console.health.calendar')),
          h('ul', s.calendar.years.map((y) => h('li', { 'data-testid': `year-${y.year}`, class: y.source === 'provisional' ? 'bad' : '' }, tAny(L, `console.health.calendar.${y.source}`, { year: String(y.year) })))),
        ]),
      ]);
    };
  },
});
