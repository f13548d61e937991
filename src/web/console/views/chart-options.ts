// The dashboard's ECharts options, built from /api/console/charts: one function per chart, pure,
// its words from the catalog. Horizontal bars where the labels are long (steps, departments), so
// the charts read on a 390 px phone.
import type { EChartsCoreOption } from 'echarts/core';
import { t, tAny, type Locale } from '../../../core/i18n/index.js';
import type { Charts } from './dashboard-api.js';

const COLORS = ['#3370ff', '#ff8800', '#34c724', '#7f3bf5', '#f54a45', '#14c0ff'];
const base = { color: COLORS, tooltip: { trigger: 'axis', confine: true }, grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true }, legend: { top: 0, type: 'scroll' } };
const uniq = (xs: string[]) => [...new Set(xs)];

/** Requests per period, stacked by type. */
export function volumeOption(c: Charts): EChartsCoreOption {
  const periods = uniq(c.volume.map((v) => v.period));
  const types = uniq(c.volume.map((v) => v.typeName));
  return {
    ...base,
    xAxis: { type: 'category', data: periods },
    yAxis: { type: 'value', minInterval: 1 },
    series: types.map((name) => ({ name, type: 'bar', stack: 'n', data: periods.map((p) => c.volume.filter((v) => v.period === p && v.typeName === name).reduce((n, v) => n + v.n, 0)) })),
  };
}

/** Median and 90th percentile hours per workflow step. */
export function leadTimeOption(c: Charts, locale: Locale): EChartsCoreOption {
  const steps = c.leadTimes.map((l) => `${l.typeName} · ${l.stepName}`);
  return {
    ...base,
    yAxis: { type: 'category', data: steps, inverse: true, axisLabel: { width: 130, overflow: 'truncate' } },
    xAxis: { type: 'value' },
    series: [
      { name: t(locale, 'console.charts.p50'), type: 'bar', data: c.leadTimes.map((l) => l.p50) },
      { name: t(locale, 'console.charts.p90'), type: 'bar', data: c.leadTimes.map((l) => l.p90) },
    ],
  };
}

export function overdueOption(c: Charts, locale: Locale): EChartsCoreOption {
  return {
    ...base,
    yAxis: { type: 'category', data: c.overdue.map((o) => o.deptName), inverse: true },
    xAxis: { type: 'value', minInterval: 1 },
    series: [{ name: t(locale, 'console.charts.overdue'), type: 'bar', data: c.overdue.map((o) => o.n), itemStyle: { color: '#f54a45' } }],
  };
}

/** Events per category (all statuses together). */
export function eventsOption(c: Charts, locale: Locale): EChartsCoreOption {
  const cats = uniq(c.eventsByCategory.map((e) => e.category));
  return {
    color: COLORS,
    tooltip: { trigger: 'item', confine: true },
    legend: { top: 0 },
    series: [{
      name: t(locale, 'console.charts.events'),
      type: 'pie',
      radius: ['35%', '65%'],
      top: 24,
      label: { formatter: '{b}: {c}' },
      data: cats.map((cat) => ({ name: tAny(locale, `type.event.category.${cat}`), value: c.eventsByCategory.filter((e) => e.category === cat).reduce((n, e) => n + e.n, 0) })),
    }],
  };
}

export function spendOption(c: Charts, locale: Locale): EChartsCoreOption {
  return {
    ...base,
    yAxis: { type: 'category', data: c.spend.map((s) => s.deptName), inverse: true },
    xAxis: { type: 'value' },
    series: [
      { name: t(locale, 'console.charts.budget'), type: 'bar', data: c.spend.map((s) => s.budget) },
      { name: t(locale, 'console.charts.spent'), type: 'bar', data: c.spend.map((s) => s.spent) },
    ],
  };
}

export function scoresOption(c: Charts, locale: Locale): EChartsCoreOption {
  return {
    ...base,
    yAxis: { type: 'category', data: c.scores.map((s) => s.deptName), inverse: true },
    xAxis: { type: 'value', max: 100 },
    series: [{ name: t(locale, 'console.charts.scores'), type: 'bar', data: c.scores.map((s) => s.average), label: { show: true, position: 'right' } }],
  };
}
