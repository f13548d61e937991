// Field kinds live in one place (src/core/fields/): a new kind is one module registered with
// the registry, and every part of the product — the organisation file, parsing, the stored
// payload's schema, the approval card, the card form and the dialog — takes it from there.
// Here a trivial kind, yes/no, is registered in the test alone and used end to end.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { approvalCard } from '../../cards/approval.js';
import { formCard } from '../../cards/form.js';
import { commandContext } from '../../src/bot/commands/context.js';
import type { CommandDeps } from '../../src/bot/commands/types.js';
import { begin, reply } from '../../src/bot/dialog/engine.js';
import type { DialogEnv } from '../../src/bot/dialog/types.js';
import { fieldKind, FIELD_KINDS, isFieldKind, refField, registerFieldKind, type FieldKind } from '../../src/core/fields/index.js';
import { parseField, parseForm } from '../../src/core/form-input.js';
import { fail } from '../../src/core/parse/index.js';
import { payloadSchema } from '../../src/core/request-types.js';
import { cardContext } from '../../src/delivery/deliver.js';
import type { Directory } from '../../src/org/directory.js';
import { EXAMPLE_ORG_FILE, OrgFileError, directoryFromText, parseOrg } from '../../src/org/load.js';
import { NOW, submitted } from '../support/core-fixtures.js';

const YES = /^(是|要|yes|y)$/i;
const NO = /^(否|不要|no|n)$/i;

const yesno: FieldKind = {
  name: 'yesno',
  schema: () => z.boolean(),
  read: (_spec, text) => (YES.test(text) ? { ok: true, value: { value: true, unsure: [] } } : NO.test(text) ? { ok: true, value: { value: false, unsure: [] } } : fail('请回答“是”或“否”', 'Please answer yes or no')),
  format: (_spec, value, ctx) => (ctx.locale === 'en' ? (value ? 'Yes' : 'No') : value ? '是' : '否'),
  input: 'select',
  wide: false,
  choose: true,
  hint: (_spec, _def, locale) => (locale === 'en' ? 'Reply yes or no' : '回复“是”或“否”'),
};

/** The example organisation with a request type that uses the new kind, and its workflow. */
function orgWithCarRequests(extraField?: Record<string, unknown>): string {
  const org = parse(readFileSync(EXAMPLE_ORG_FILE, 'utf8')) as { requestTypes?: unknown[]; workflows: unknown[] };
  org.requestTypes = [
    ...(org.requestTypes ?? []),
    {
      id: 'car',
      name: '用车申请',
      nameEn: 'Car request',
      prefix: 'V',
      titleField: 'purpose',
      fields: [
        { key: 'purpose', label: '用途', labelEn: 'Purpose', kind: 'text' },
        { key: 'driver', label: '是否需要司机', labelEn: 'Driver needed', kind: 'yesno' },
        ...(extraField ? [extraField] : []),
      ],
    },
  ];
  org.workflows = [...org.workflows, { requestType: 'car', steps: [{ id: 'lead', name: '部门负责人审批', approvers: ['dept_lead'] }] }];
  return stringify(org);
}

describe('a field kind added in one module', () => {
  const known = isFieldKind('yesno');
  const before = (() => {
    try {
      return parseOrg(orgWithCarRequests());
    } catch (e) {
      return e;
    }
  })();
  registerFieldKind(yesno);

  it('is refused by the organisation file until it is registered', () => {
    expect(known).toBe(false);
    expect(before).toBeInstanceOf(OrgFileError);
    expect((before as Error).message).toMatch(/requestTypes\[0\]\.fields\[1\]\.kind: unknown field kind; use one of text, .*requestRef/);
  });
  const dir = directoryFromText(orgWithCarRequests());
  const def = dir.requestType('car')!;
  const driver = def.fields[1]!;
  const ctx = { now: NOW, timezone: 'Asia/Shanghai', locale: 'zh-CN' as const };

  it('is found by name, beside the built-in kinds', () => {
    expect(fieldKind('yesno')).toBe(yesno);
    expect(FIELD_KINDS.every(isFieldKind)).toBe(true);
    expect(driver.kind).toBe('yesno');
  });

  it('parses typed text and validates the stored payload', () => {
    expect(parseField(driver, ' 是 ', ctx)).toEqual({ ok: true, value: true });
    expect(parseField(driver, '也许', { ...ctx, locale: 'en' })).toEqual({ ok: false, error: '请回答“是”或“否”', errorEn: 'Please answer yes or no' });
    const { payload, errors } = parseForm(def, { purpose: '接送客户', driver: 'no' }, ctx);
    expect(errors).toEqual({});
    expect(payload).toEqual({ purpose: '接送客户', driver: false });
    expect(payloadSchema(def).safeParse(payload).success).toBe(true);
    expect(payloadSchema(def).safeParse({ ...payload, driver: 'no' }).success).toBe(false);
  });

  it('is shown on the approval card in the reader’s locale', () => {
    const s = submitted(dir, 'liming', { purpose: '接送客户', driver: true }, 'car');
    const field = (locale: 'zh-CN' | 'en', label: string) => approvalCard(s, cardContext(dir, locale)).fields.find((f) => f.label === label);
    expect(field('zh-CN', '是否需要司机')).toEqual({ label: '是否需要司机', value: '是', wide: false });
    expect(field('en', 'Driver needed')).toEqual({ label: 'Driver needed', value: 'Yes', wide: false });
  });

  it('picks its input on the card form', () => {
    const input = formCard(def, 'en').form!.inputs.find((i) => i.name === 'driver');
    expect(input).toMatchObject({ label: 'Driver needed', kind: 'select', required: true });
  });

  it('is asked, answered and read back in a dialog', async () => {
    const env: DialogEnv = { now: NOW, timezone: 'Asia/Shanghai', locale: 'zh-CN', platform: 'local' };
    const start = begin(def, env);
    const first = await reply(def, start.session!, '接送客户', env);
    const asked = first.out.map((o) => ('text' in o ? o.text : '')).join('\n');
    expect(asked).toContain('（2/2）请选择「是否需要司机」');
    expect(asked).toContain('回复“是”或“否”');
    const refused = await reply(def, first.session!, '也许', env);
    expect(refused.out.map((o) => ('text' in o ? o.text : '')).join('\n')).toContain('❌ 请回答“是”或“否”');
    const done = await reply(def, first.session!, '要', env);
    expect(done.session!.values).toEqual({ purpose: '接送客户', driver: true });
    expect(done.out.map((o) => ('text' in o ? o.text : '')).join('\n')).toContain('✓ 已记录「是否需要司机」：是');
    const card = done.out.find((o) => 'card' in o);
    expect(card && 'card' in card ? card.card.fields.find((f) => f.label === '是否需要司机')?.value : undefined).toBe('是');
  });
});

describe('a field kind that refers to another request', () => {
  // Known as a reference by what the kind says (refersToRequest), not by its name.
  registerFieldKind(yesno);
  registerFieldKind({ ...fieldKind('requestRef'), name: 'tripRef' });
  const dir = directoryFromText(orgWithCarRequests({ key: 'trip', label: '出差单', labelEn: 'Trip', kind: 'tripRef', required: false }));
  const plain = directoryFromText(orgWithCarRequests());

  it('is the type’s reference field, and the start command offers a number for it', () => {
    expect(refField(dir.requestType('car')!)?.key).toBe('trip');
    expect(refField(plain.requestType('car')!)).toBeUndefined();
    const help = (d: Directory) => commandContext({ dir: d, locale: 'zh-CN', now: () => NOW } as unknown as CommandDeps).helpText().split('\n');
    expect(help(dir)).toContain('· 申请 用车申请 [编号] — 填写用车申请');
    expect(help(plain)).toContain('· 申请 用车申请 — 填写用车申请');
  });
});
