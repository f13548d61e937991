// The catalogs: every key in both locales, the same placeholders, no empty text; `t` fills params.
import { describe, expect, it } from 'vitest';
import { CATALOGS, isMessageKey, LOCALES, t, tAny } from '../../src/core/i18n/index.js';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  const keys = Object.keys(CATALOGS['zh-CN']).sort();

  it('define the same keys in every locale', () => {
    for (const locale of LOCALES) expect(Object.keys(CATALOGS[locale]).sort()).toEqual(keys);
  });

  it('use the same placeholders for a key in every locale, and no empty text', () => {
    const mismatched: string[] = [];
    for (const key of keys) {
      const zh = CATALOGS['zh-CN'][key as keyof (typeof CATALOGS)['zh-CN']];
      for (const locale of LOCALES) {
        const text = CATALOGS[locale][key as keyof (typeof CATALOGS)['zh-CN']];
        if (!text.trim() || placeholders(text).join() !== placeholders(zh).join()) mismatched.push(`${locale} ${key}`);
      }
    }
    expect(mismatched).toEqual([]);
  });

  it('fill parameters, leave an unknown one visible, and render a run-time key only when catalogued', () => {
    expect(t('en', 'request.submitted', { number: 'A-0001' })).toBe('Request A-0001 submitted and awaiting approval.');
    expect(t('zh-CN', 'request.submitted', { number: 'A-0001' })).toBe('已提交申请 A-0001，等待审批。');
    expect(t('zh-CN', 'feedback.approved')).toBe('已同意');
    expect(isMessageKey('status.approved')).toBe(true);
    expect(isMessageKey('toString')).toBe(false);
    expect(tAny('en', 'status.approved')).toBe('Approved');
    expect(tAny('en', 'status.nonsense')).toBe('status.nonsense');
  });
});

describe('the inline-text lint rule', () => {
  it('refuses a Chinese string or template in src/, and lets a regex of typed words pass', async () => {
    const { ESLint } = await import('eslint');
    const eslint = new ESLint();
    const code = "export const a = '已同意';\nexport const b = (n: number) => `共 ${n} 项`;\nexport const c = /^(确认|ok)$/;\nexport const d = 'ok';\n";
    const [result] = await eslint.lintText(code, { filePath: 'src/core/model.ts' });
    const lines = result!.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.line);
    expect([...new Set(lines)]).toEqual([1, 2]);
  }, 60_000);
});
