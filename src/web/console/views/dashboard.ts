// The department dashboard: filters (department, week or month, dates), the summary figures and
// six ECharts charts. ECharts is imported piece by piece (echarts/core with the bar and pie
// charts, the grid, tooltip and legend, the canvas renderer) so the console's bundle carries
// only those. Each chart's element also carries its categories and series as `data-chart`
// (the numbers the chart was given), for a reader and for the browser test.
import { BarChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type EChartsCoreOption, type EChartsType } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { defineComponent, h, onBeforeUnmount, onMounted, reactive, ref, watch, type PropType } from 'vue';
import { t, tAny, type Locale, type MessageKey } from '../../../core/i18n/index.js';
import { eventsOption, leadTimeOption, overdueOption, scoresOption, spendOption, volumeOption } from './chart-options.js';
import { dashboardApi, type Charts } from './dashboard-api.js';

use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

interface Series {
  name?: string;
  data?: unknown[];
}

/** What a chart shows, as data: its categories (the category axis or the pie's names) and each series' numbers. */
function chartData(option: EChartsCoreOption) {
  const axes = [option.xAxis, option.yAxis] as Array<{ type?: string; data?: string[] } | undefined>;
  const series = (option.series ?? []) as Series[];
  const pie = series[0]?.data?.every((d) => typeof d === 'object');
  const categories = pie ? (series[0]!.data as Array<{ name: string }>).map((d) => d.name) : (axes.find((a) => a?.type === 'category')?.data ?? []);
  return { categories, series: series.map((s) => ({ name: s.name ?? '', data: (s.data ?? []).map((d) => (typeof d === 'object' && d ? (d as { value: number }).value : d)) })) };
}

const EChart = defineComponent({
  props: { option: { type: Object as PropType<EChartsCoreOption>, required: true }, name: { type: String, required: true } },
  setup(props) {
    const el = ref<HTMLDivElement | null>(null);
    let chart: EChartsType | undefined;
    let observer: ResizeObserver | undefined;
    onMounted(() => {
      chart = init(el.value!);
      chart.setOption(props.option);
      observer = new ResizeObserver(() => chart?.resize());
      observer.observe(el.value!);
    });
    watch(() => props.option, (o) => chart?.setOption(o, true));
    onBeforeUnmount(() => {
      observer?.disconnect();
      chart?.dispose();
    });
    return () => h('div', { ref: el, class: 'chart', 'data-testid': `chart-${props.name}`, 'data-chart': JSON.stringify(chartData(props.option)) });
  },
});

export const DashboardView = defineComponent({
  props: {
    locale: { type: String as PropType<Locale>, required: true },
    departments: { type: Array as PropType<Array<{ id: string; name: string }>>, required: true },
  },
  setup(props) {
    const tr = (key: MessageKey) => tAny(props.locale, key);
    const f = reactive({ dept: '', period: 'week', from: '', to: '' });
    const data = ref<Charts | null>(null);
    const error = ref('');
    const load = async () => {
      try {
        data.value = await dashboardApi.charts(new URLSearchParams(Object.entries(f).filter(([, v]) => v)).toString());
        error.value = '';
      } catch (e) {
        error.value = (e as Error).message;
      }
    };
    onMounted(() => void load());
    const input = (key: 'from' | 'to') =>
      h('input', { type: 'date', 'data-testid': `charts-${key}`, value: f[key], onChange: (e: Event) => ((f[key] = (e.target as HTMLInputElement).value), void load()) });
    const figure = (key: MessageKey, value: string | number | null, testid: string) =>
      h('div', { class: 'figure', 'data-testid': `figure-${testid}` }, [h('strong', value === null ? '–' : String(value)), h('span', tr(key))]);
    const money = (n: number) => n.toLocaleString(props.locale);
    const chart = (title: MessageKey, name: string, option: EChartsCoreOption, empty: boolean) =>
      h('section', { class: 'card' }, [h('h3', tr(title)), empty ? h('p', { class: 'muted', 'data-testid': `chart-${name}-empty` }, tr('console.charts.none')) : h(EChart, { option, name })]);
    return () => {
      const c = data.value;
      return h('main', { 'data-testid': 'charts' }, [
        h('div', { class: 'filters' }, [
          props.departments.length
            ? h('select', { 'data-testid': 'charts-dept', value: f.dept, onChange: (e: Event) => ((f.dept = (e.target as HTMLSelectElement).value), void load()) }, [
                h('option', { value: '' }, `${t(props.locale, 'console.filter.dept')}: ${t(props.locale, 'console.filter.all')}`),
                ...props.departments.map((d) => h('option', { value: d.id }, d.name)),
              ])
            : null,
          h('select', { 'data-testid': 'charts-period', value: f.period, onChange: (e: Event) => ((f.period = (e.target as HTMLSelectElement).value), void load()) }, [
            h('option', { value: 'week' }, tr('console.charts.period.week')),
            h('option', { value: 'month' }, tr('console.charts.period.month')),
          ]),
          input('from'),
          input('to'),
        ]),
        error.value ? h('p', { class: 'error' }, error.value) : null,
        c
          ? h('div', [
              h('section', { class: 'card figures', 'data-testid': 'summary' }, [
                figure('console.charts.summary.requests', c.summary.requests, 'requests'),
                figure('console.charts.summary.overdue', c.summary.overdue, 'overdue'),
                figure('console.charts.summary.p50', c.summary.p50Hours, 'p50'),
                figure('console.charts.summary.budget', money(c.summary.budget), 'budget'),
                figure('console.charts.summary.spent', money(c.summary.spent), 'spent'),
                figure('console.charts.summary.score', c.summary.averageScore, 'score'),
              ]),
              h('div', { class: 'charts' }, [
                chart('console.charts.volume', 'volume', volumeOption(c), !c.volume.length),
                chart('console.charts.overdue', 'overdue', overdueOption(c, props.locale), !c.overdue.length),
                chart('console.charts.lead_time', 'lead-time', leadTimeOption(c, props.locale), !c.leadTimes.length),
                chart('console.charts.spend', 'spend', spendOption(c, props.locale), !c.spend.length),
                chart('console.charts.events', 'events', eventsOption(c, props.locale), !c.eventsByCategory.length),
                chart('console.charts.scores', 'scores', scoresOption(c, props.locale), !c.scores.length),
              ]),
            ])
          : null,
      ]);
    };
  },
});
