// Card JSON 2.0 rendering: shape sanity, not pixel snapshots.
import { describe, expect, it } from 'vitest';
import { decodeAction, type Card } from '../../cards/model.js';
import { fitCardContent, escapeMarkdown, renderCard, shortenedCards } from '../../src/channels/feishu/render.js';
import { actionFromName, formButtonName } from '../../src/channels/feishu/form-names.js';

type El = Record<string, unknown>;
const opts = { locale: 'zh-CN' as const };

/** Every element, depth-first, through columns and forms. */
function walk(els: unknown[]): El[] {
  const out: El[] = [];
  for (const e of els as El[]) {
    out.push(e);
    if (Array.isArray(e.elements)) out.push(...walk(e.elements));
    if (Array.isArray(e.columns)) out.push(...walk(e.columns));
  }
  return out;
}
const elementsOf = (c: El) => walk((c.body as { elements: unknown[] }).elements);

const approval: Card = {
  kind: 'approval',
  title: '活动申请 EV-2026-0001｜春季团建',
  subtitle: '加急',
  status: { text: '审批中 · 部门负责人', tone: 'pending' },
  fields: [
    { label: '申请人', value: '陈杰（华东销售部）' },
    { label: '预算', value: '¥12,000.00' },
    { label: '地点', value: '杭州' },
    { label: '说明', value: '注意 <at id=all></at> *加粗* [链接](http://x)', wide: true },
  ],
  markdown: '● 部门负责人：赵磊\n○ 财务：孙丽',
  buttons: [
    { label: '同意', style: 'primary', action: { a: 'approve', r: 'req-1', s: 'step-1' } },
    { label: '驳回', style: 'danger', action: { a: 'reject', r: 'req-1', s: 'step-1' }, needsReason: true },
    { label: '退回修改', style: 'default', action: { a: 'return', r: 'req-1', s: 'step-1' }, needsReason: true },
  ],
  footer: '更新于 2026-05-01 10:00',
  link: 'https://qianpi.example.com/console#/r/req-1',
};

describe('feishu card rendering', () => {
  it('is a shared JSON 2.0 card with a coloured header', () => {
    const c = renderCard(approval, opts);
    expect(c.schema).toBe('2.0');
    expect(c.config).toEqual({ update_multi: true });
    expect(c.header).toMatchObject({
      title: { tag: 'plain_text', content: approval.title },
      subtitle: { tag: 'plain_text', content: '加急' },
      template: 'orange',
      text_tag_list: [{ tag: 'text_tag', text: { content: '审批中 · 部门负责人' }, color: 'orange' }],
    });
    for (const [tone, colour] of [['approved', 'green'], ['rejected', 'red'], ['warning', 'yellow'], ['neutral', 'grey'], ['info', 'blue']] as const) {
      expect((renderCard({ ...approval, status: { text: 's', tone } }, opts).header as El).template).toBe(colour);
    }
  });

  it('gives every button outside a form its ActionValue as the callback value', () => {
    const buttons = elementsOf(renderCard(approval, opts)).filter((e) => e.tag === 'button' && Array.isArray(e.behaviors));
    const callbacks = buttons.flatMap((b) => (b.behaviors as Array<{ type: string; value?: unknown }>).filter((x) => x.type === 'callback'));
    expect(callbacks.map((c) => decodeAction(c.value))).toEqual([approval.buttons[0]!.action]);
    const approve = buttons.find((b) => (b.text as El).content === '同意')!;
    expect(approve).toMatchObject({ type: 'primary' });
    expect(approve.form_action_type).toBeUndefined();
    expect(approve.name).toBeUndefined();
  });

  it('puts buttons that need a reason in a form: named submit buttons without behaviors, and a required `reason` input', () => {
    const forms = elementsOf(renderCard(approval, opts)).filter((e) => e.tag === 'form');
    expect(forms).toHaveLength(1);
    const inside = walk(forms[0]!.elements as unknown[]);
    expect(inside.filter((e) => e.tag === 'input')).toEqual([expect.objectContaining({ name: 'reason', required: true })]);
    const submits = inside.filter((e) => e.tag === 'button');
    expect(submits.map((b) => b.form_action_type)).toEqual(['submit', 'submit']);
    // The form container reference: buttons in a form use name + form_action_type, not behaviors.
    expect(submits.every((b) => b.behaviors === undefined)).toBe(true);
    expect(submits.map((b) => actionFromName(b.name))).toEqual([approval.buttons[1]!.action, approval.buttons[2]!.action]);
    const names = inside.map((e) => e.name).filter(Boolean);
    expect(new Set(names).size).toBe(names.length);
    // Forms may only sit at the root of the card body.
    expect((renderCard(approval, opts).body as { elements: El[] }).elements.some((e) => e.tag === 'form')).toBe(true);
  });

  it('encodes an action in a form button name reversibly, in letters, digits and underscores only', () => {
    const cases = [
      { a: 'reject', r: '0b4c2a4e-1f2d-4c3b-9a8e-7d6c5b4a3f21', s: 'dept-lead' },
      { a: 'return', r: 'req_1', s: 'x.y z' },
      { a: 'submit', t: 'event' },
      { a: 'resubmit', r: 'r', t: '活动' },
      { a: 'approve' },
    ];
    for (const a of cases) {
      const name = formButtonName(a);
      expect(name).toMatch(/^[A-Za-z0-9_]+$/);
      expect(actionFromName(name)).toEqual(a);
    }
    expect(formButtonName(cases[0]!).length).toBeLessThan(80);
    for (const other of ['btn_reject_1', 'form_submit', 'reason', 'qp_a_b', 'qp_x1_r_s_t', 'qp_xzz___', '', undefined, 42]) expect(actionFromName(other)).toBeUndefined();
  });

  it('escapes user text in fields (no @all, no markdown injection)', () => {
    const json = JSON.stringify(renderCard(approval, opts));
    expect(json).not.toContain('<at id=all>');
    expect(json).not.toContain('*加粗*');
    expect(escapeMarkdown('<a>*_~[]`#&')).toBe('&#60;a&#62;&#42;&#95;&#126;&#91;&#93;&#96;&#35;&#38;');
  });

  it('pairs short fields in columns and shows the link as an open_url button', () => {
    const els = (renderCard(approval, opts).body as { elements: El[] }).elements;
    expect(els[0]).toMatchObject({ tag: 'column_set' });
    expect((els[0]!.columns as unknown[]).length).toBe(2);
    const link = elementsOf(renderCard(approval, opts)).find((e) => e.tag === 'button' && (e.behaviors as Array<{ type: string }> | undefined)?.[0]?.type === 'open_url');
    expect(link).toMatchObject({ behaviors: [{ type: 'open_url', default_url: approval.link }] });
  });

  it('has no callback buttons once decided', () => {
    const decided = renderCard({ ...approval, buttons: [], status: { text: '已通过', tone: 'approved' } }, opts);
    expect(JSON.stringify(decided)).not.toContain('"callback"');
  });

  it('renders a Card form as a form container with inputs by kind', () => {
    const form: Card = {
      kind: 'form',
      title: '发起活动申请',
      fields: [],
      buttons: [],
      form: {
        inputs: [
          { name: 'title', label: '活动名称', kind: 'text', required: true, placeholder: '例如 春季团建' },
          { name: 'content', label: '内容', kind: 'textarea', required: false },
          { name: 'start', label: '开始时间', kind: 'datetime', required: true, value: '2026-05-20T15:30' },
          { name: 'budget', label: '预算', kind: 'number', required: true },
          { name: 'category', label: '类别', kind: 'select', required: true, options: [{ value: 'team', label: '团建' }, { value: 'client', label: '客户' }], value: 'team' },
        ],
        submit: { label: '提交申请', action: { a: 'submit', t: 'event' } },
      },
    };
    const els = elementsOf(renderCard(form, opts));
    const container = els.find((e) => e.tag === 'form')!;
    expect(container.name).toBeTruthy();
    const byName = Object.fromEntries(walk(container.elements as unknown[]).filter((e) => e.name).map((e) => [e.name, e]));
    expect(byName.title).toMatchObject({ tag: 'input', required: true, placeholder: { content: '例如 春季团建' } });
    expect(byName.content).toMatchObject({ tag: 'input', input_type: 'multiline_text' });
    expect(byName.start).toMatchObject({ tag: 'picker_datetime', initial_datetime: '2026-05-20 15:30' });
    expect(byName.budget).toMatchObject({ tag: 'input' });
    expect(byName.category).toMatchObject({ tag: 'select_static', initial_option: 'team', options: [{ text: { content: '团建' }, value: 'team' }, { text: { content: '客户' }, value: 'client' }] });
    const submit = walk(container.elements as unknown[]).find((e) => e.tag === 'button')!;
    expect(submit).toMatchObject({ tag: 'button', form_action_type: 'submit', name: formButtonName({ a: 'submit', t: 'event' }) });
    expect(submit.behaviors).toBeUndefined();
    expect(actionFromName(submit.name)).toEqual({ a: 'submit', t: 'event' });
  });

  it('fits the measured request body: as it is when small, shortened (with a pointer to the details) when not, undefined when nothing fits', () => {
    const body = (c: string) => Buffer.byteLength(JSON.stringify({ content: c }));
    const small = fitCardContent(approval, opts, body, 30 * 1024)!;
    expect(small.shortened).toBe(false);
    expect(JSON.parse(small.content)).toEqual(renderCard(approval, opts));

    const long = { ...approval, markdown: '● 很长的审批记录 "引号"\n'.repeat(3000) };
    const fitted = fitCardContent(long, opts, body, 30 * 1024)!;
    expect(fitted.shortened).toBe(true);
    expect(body(fitted.content)).toBeLessThanOrEqual(30 * 1024);
    expect(fitted.content).toContain('完整内容请点「查看详情」');
    expect(fitted.content).toContain(approval.link);
    // The body, not the card: quotes inside the card are escaped in the body and count twice.
    const card = JSON.stringify(renderCard(long, opts));
    expect(body(card)).toBeGreaterThan(Buffer.byteLength(card));

    const levels = shortenedCards({ ...approval, link: undefined }, 'en');
    expect(levels.length).toBeGreaterThan(1);
    expect(levels.every((c) => c.footer?.startsWith('Long content: this card is shortened.'))).toBe(true);

    expect(fitCardContent({ ...approval, title: '标题'.repeat(20_000) }, opts, body, 30 * 1024)).toBeUndefined();
  });
});
