// "周六全天" is 周六 00:00–24:00: the end of a span that stops at midnight reads as 24:00 of its
// last day on cards and in read-backs; a start at midnight, or any other field, stays as it is.
import { describe, expect, it } from 'vitest';
import { readBackValue, showValue } from '../../src/core/fields/index.js';
import { exampleDir } from '../support/core-fixtures.js';

const event = exampleDir().requestType('event')!;
const spec = (key: string) => event.fields.find((f) => f.key === key)!;
const ctx = { locale: 'zh-CN' as const, timezone: 'Asia/Shanghai' };
// Sunday 2026-12-13 00:00 in Shanghai.
const midnight = '2026-12-12T16:00:00.000Z';

describe('datetime ends at midnight', () => {
  it('an end at midnight reads as 24:00 of the day before', () => {
    expect(showValue(spec('end'), midnight, ctx)).toBe('2026-12-12 24:00');
    expect(readBackValue(spec('end'), midnight, ctx)).toBe('2026-12-12（周六）24:00');
  });

  it('a start at midnight, and an end at any other time, read as they are', () => {
    expect(showValue(spec('start'), midnight, ctx)).toBe('2026-12-13 00:00');
    expect(readBackValue(spec('start'), midnight, ctx)).toBe('2026-12-13（周日）00:00');
    expect(showValue(spec('end'), '2026-12-12T13:00:00.000Z', ctx)).toBe('2026-12-12 21:00');
  });
});
