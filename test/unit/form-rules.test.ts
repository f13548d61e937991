// One rule for planned times, whatever the entry path: the card form and the API (parseForm,
// payloadProblems) refuse a past start as the dialog does, with the same words, and a wrong
// form gets every field's error at once.
import { describe, expect, it } from 'vitest';
import { payloadProblems } from '../../src/core/fields/index.js';
import { parseForm } from '../../src/core/form-input.js';
import { EVENT_FORM } from '../support/sim-client.js';
import { NOW, exampleDir } from '../support/core-fixtures.js';

const dir = exampleDir();
const def = dir.requestType('event')!;
const ctx = { now: NOW, timezone: 'Asia/Shanghai', locale: 'zh-CN' as const };

describe('form rules', () => {
  it('refuses a start three days ago on a card form, with the dialog’s words', () => {
    // NOW is Monday 2026-11-23 10:00 in Shanghai.
    const { errors } = parseForm(def, { ...EVENT_FORM, start: '2026-11-20T18:00', end: '2026-11-20T21:00' }, ctx);
    expect(errors.start).toBe('2026-11-20（周五）18:00已经过去了，请输入将来的时间，例如：明天下午3点');
    expect(errors.end).toContain('已经过去了');
    const { errors: typed } = parseForm(def, { ...EVENT_FORM, start: '昨天下午3点', end: '昨天下午5点' }, ctx);
    expect(typed.start).toBe('2026-11-22（周日）15:00已经过去了，请输入将来的时间，例如：明天下午3点');

  });

  it('gives every field’s error at once: unreadable, missing, out of bounds, past', () => {
    const { errors } = parseForm(def, { ...EVENT_FORM, headcount: '0', budget: '场地', location: '', start: '2026-11-20T18:00', end: '2026-11-20T17:00' }, ctx);
    expect(Object.keys(errors).sort()).toEqual(['budget', 'end', 'headcount', 'location', 'start']);
  });

  it('checks a canonical payload the same way', () => {
    const { payload } = parseForm(def, EVENT_FORM, ctx);
    expect(payloadProblems(def, payload, ctx)).toEqual({});
    expect(Object.keys(payloadProblems(def, { ...payload, start: '2026-11-20T10:00:00.000Z', headcount: 0 }, ctx)).sort()).toEqual(['headcount', 'start']);
    expect(payloadProblems(def, { ...payload, end: payload.start }, ctx)).toEqual({ end: expect.stringContaining('需晚于开始时间') });
  });
});

describe('scores typed as people say them', () => {
  it('reads Chinese numerals like headcounts', async () => {
    const { parseField } = await import('../../src/core/form-input.js');
    const spec = { key: 'score', label: '评分', labelEn: 'Score', kind: 'score', required: true } as Parameters<typeof parseField>[0];
    expect(parseField(spec, '三十五', ctx)).toEqual({ ok: true, value: 35 });
    expect(parseField(spec, '八十五分', ctx)).toEqual({ ok: true, value: 85 });
    expect(parseField(spec, '88', ctx)).toEqual({ ok: true, value: 88 });
    expect(parseField(spec, '一百二十', ctx)?.ok).toBe(false);
  });
});

describe('messages around a typed reason', () => {
  it('do not double the full stop', async () => {
    const { t } = await import('../../src/core/i18n/index.js');
    const params = { number: 'A-0001', title: '答谢会', who: '刘洋', reason: '预算需要细化。' };
    expect(t('zh-CN', 'request.returned', params)).toContain('退回修改：预算需要细化。修改后');
    expect(t('zh-CN', 'request.returned', { ...params, reason: '预算需要细化' })).toContain('退回修改：预算需要细化。修改后');
  });
});

describe('no internal names shown', () => {
  it('labels a raw state in a refusal, and every audited action has a timeline label in both catalogs', async () => {
    const { renderMessage } = await import('../../src/core/i18n/index.js');
    const { zhCN } = await import('../../src/core/i18n/zh-CN.js');
    const { en } = await import('../../src/core/i18n/en.js');
    expect(renderMessage('zh-CN', 'refuse.event_state', { number: 'A-0001', status: 'summary_submitted' })).not.toContain('summary_submitted');
    for (const action of ['pre_event_notice', 'reminder_sent', 'summary_reminder', 'summary_escalated', 'escalated', 'auto_transferred', 'auto_approved', 'nudged', 'delivery_failed', 'inbound_failed']) {
      expect(zhCN).toHaveProperty([`sim.tl.${action}`]);
      expect(en).toHaveProperty([`sim.tl.${action}`]);
    }
  });
});
