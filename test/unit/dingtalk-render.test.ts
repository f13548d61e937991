import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeAction, type Card } from '../../cards/model.js';
import { cardMarkdown, md, renderParams, type DingtalkFormField } from '../../src/channels/dingtalk/render.js';

const approval: Card = {
  kind: 'approval',
  title: '活动申请 A-001｜团建',
  subtitle: '加急',
  status: { text: '审批中 · 部门负责人', tone: 'pending' },
  fields: [
    { label: '申请人', value: '李明（市场部）' },
    { label: '预算', value: '<b>5000</b> 元', wide: true },
  ],
  markdown: '● 部门负责人：王芳\n○ 财务：赵磊',
  buttons: [
    { label: '同意', style: 'primary', action: { a: 'approve', r: 'req-1', s: 'st-1' } },
    { label: '驳回', style: 'danger', action: { a: 'reject', r: 'req-1', s: 'st-1' }, needsReason: true },
    { label: '退回修改', style: 'default', action: { a: 'return', r: 'req-1', s: 'st-1' }, needsReason: true },
  ],
  footer: '更新于 2025-01-01 10:00',
  link: 'https://qianpi.example.com/console#/r/req-1',
};

describe('dingtalk card rendering', () => {
  it('renders every template variable as a string', () => {
    const p = renderParams(approval);
    for (const [k, v] of Object.entries(p)) expect(typeof v, k).toBe('string');
    expect(p.title).toBe(approval.title);
    expect(p.status).toBe('审批中 · 部门负责人');
    expect(p.statusColor).toBe('common_orange1_color');
    expect(p.hasLink).toBe('true');
    expect(p.fields).toContain('**申请人**：李明（市场部）');
    // HTML-ish input cannot inject markup into DingTalk markdown.
    expect(p.fields).not.toContain('<b>');
    expect(p.fields).toContain('**预算**：＜b＞5000＜/b＞ 元');
    expect(p.markdown).toBe('● 部门负责人：王芳  \n○ 财务：赵磊');
  });

  it('speaks the reader’s language in its own words and punctuation', () => {
    const p = renderParams(approval, 'en');
    expect(p.fields).toContain('**申请人**: 李明（市场部）');
    expect(p.linkText).toBe('View details');
    const form = JSON.parse(p.form!) as { fields: DingtalkFormField[] };
    expect(form.fields.map((f) => f.label)).toEqual(['Action', 'Reason']);
    expect(renderParams(approval).linkText).toBe('查看详情');
  });

  it('puts quick buttons in a JSON list whose action values decode back', () => {
    const p = renderParams(approval);
    const buttons = JSON.parse(p.buttons!) as Array<{ text: string; action: string; color: string }>;
    expect(buttons.map((b) => b.text)).toEqual(['同意']);
    expect(decodeAction(buttons[0]!.action)).toEqual({ a: 'approve', r: 'req-1', s: 'st-1' });
    expect(p.hasButtons).toBe('true');
  });

  it('collects reject / send back through the reason form', () => {
    const p = renderParams(approval);
    expect(p.hasForm).toBe('true');
    const form = JSON.parse(p.form!) as { fields: DingtalkFormField[] };
    const decision = form.fields.find((f) => f.name === 'decision')!;
    expect(decision.type).toBe('SELECT');
    expect(decision.options!.map((o) => o.text)).toEqual(['驳回', '退回修改']);
    expect(decodeAction(decision.options![0]!.value)).toEqual({ a: 'reject', r: 'req-1', s: 'st-1' });
    expect(form.fields.find((f) => f.name === 'reason')).toMatchObject({ type: 'TEXT', required: true });
    expect(p.form_btn_text).toBe('提交');
  });

  it('a decided card clears buttons and form (updates go by key)', () => {
    const p = renderParams({ ...approval, status: { text: '已通过', tone: 'approved' }, buttons: [] });
    expect(p.buttons).toBe('[]');
    expect(p.hasButtons).toBe('false');
    expect(p.hasForm).toBe('false');
    expect(JSON.parse(p.form!)).toEqual({ fields: [] });
    expect(p.statusColor).toBe('common_green1_color');
    expect(Object.keys(p).sort()).toEqual(Object.keys(renderParams(approval)).sort());
  });

  it('renders a request form with the submit action in a hidden field', () => {
    const p = renderParams({
      kind: 'form',
      title: '发起活动申请',
      fields: [],
      buttons: [],
      form: {
        inputs: [
          { name: 'title', label: '标题', kind: 'text', required: true, placeholder: '例如 团建' },
          { name: 'category', label: '类别', kind: 'select', required: true, options: [{ value: 'a', label: 'A 类' }, { value: 'b', label: 'B 类' }], value: 'b' },
          { name: 'start', label: '开始', kind: 'datetime', required: false },
        ],
        submit: { label: '提交申请', action: { a: 'submit', t: 'event' } },
      },
    });
    const form = JSON.parse(p.form!) as { fields: DingtalkFormField[] };
    expect(form.fields.map((f) => f.type)).toEqual(['TEXT', 'SELECT', 'DATETIME', 'TEXT']);
    expect(form.fields[1]!.defaultValue).toEqual({ index: 1, value: 'b' });
    const hidden = form.fields.at(-1)!;
    expect(hidden).toMatchObject({ name: '__action', hidden: true });
    expect(decodeAction(hidden.defaultValue)).toEqual({ a: 'submit', t: 'event' });
    expect(p.form_btn_text).toBe('提交申请');
  });

  it('renders markdown for robot messages', () => {
    const m = cardMarkdown(approval);
    expect(m.title).toBe(approval.title);
    expect(m.text).toContain('### 活动申请');
    expect(m.text).toContain('**审批中 · 部门负责人**');
    expect(md('a\nb')).toBe('a  \nb');
  });

  it('fills exactly the variables the shipped templates declare', () => {
    const names = (file: string) =>
      (JSON.parse(readFileSync(new URL(`../../cards/dingtalk/${file}`, import.meta.url), 'utf8')) as { variables: Array<{ name: string }> }).variables.map((v) => v.name);
    const keys = Object.keys(renderParams(approval));
    expect(names('approval.json').sort()).toEqual([...keys].sort());
    for (const n of names('notice.json')) expect(keys).toContain(n);
  });
});
