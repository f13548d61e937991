// WeCom channel building blocks: button keys and task ids, callback crypto against payloads
// built here from the documented scheme, the XML reader, and the card renderer's limits.
import { describe, it, expect } from 'vitest';
import type { Card } from '../../cards/model.js';
import { encodeAction } from '../../cards/model.js';
import { CallbackRejected, openEnvelope, sealReply } from '../../src/channels/wecom/crypto.js';
import { decodeButtonKey, encodeButtonKey, MAX_KEY_BYTES, taskIdFor, TASK_ID_RE } from '../../src/channels/wecom/keys.js';
import { parseRawQuery } from '../../src/channels/wecom/receiver.js';
import { LIMIT, renderChatNotice, renderResultText, renderSend, renderTemplateCard } from '../../src/channels/wecom/render.js';
import { cdata, parseXmlFields, XmlError } from '../../src/channels/wecom/xml.js';
import { wecomDecrypt, wecomEncrypt, wecomSignature } from '../fakes/wecom-server.js';

const KEYS = { token: 'tok3n', encodingAESKey: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', corpId: 'ww1234567890abcdef' };
const RID = '0b6c1f4e-8d3a-4c55-9a51-3f2a7c9d1e20';

function signed(encrypt: string, token = KEYS.token) {
  const timestamp = '1700000000';
  const nonce = '12345';
  return { signature: wecomSignature(token, timestamp, nonce, encrypt), timestamp, nonce, encrypt };
}

describe('wecom button keys', () => {
  it('round-trips an action and the needs-reason flag', () => {
    const key = encodeButtonKey({ a: 'reject', r: RID, s: 'lead' }, { index: 1, needsReason: true });
    expect(Buffer.byteLength(key)).toBeLessThan(120);
    expect(decodeButtonKey(key)).toEqual({ action: { a: 'reject', r: RID, s: 'lead' }, needsReason: true });
    const plain = encodeButtonKey({ a: 'submit', t: 'event' }, { index: 0 });
    expect(decodeButtonKey(plain)).toEqual({ action: { a: 'submit', t: 'event' }, needsReason: false });
  });

  it('keeps separators and non-ASCII inside values intact', () => {
    const action = { a: 'approve', r: 'a|b%c', s: '第一步|x' };
    expect(decodeButtonKey(encodeButtonKey(action, { index: 0 }))?.action).toEqual(action);
  });

  it('accepts JSON keys from encodeAction', () => {
    expect(decodeButtonKey(encodeAction({ a: 'approve', r: RID }))?.action).toEqual({ a: 'approve', r: RID });
  });

  it('refuses garbage, other versions, oversize and invalid actions', () => {
    for (const k of ['', 'x', 'q2|0||approve|||', 'q1|0||', 'q1|0||%E0%A4%A|r||', `q1|0||${'a'.repeat(40)}|||`, '{"a":5}', 'q1|0||approve|' + 'r'.repeat(MAX_KEY_BYTES) + '||']) {
      expect(decodeButtonKey(k), k).toBeUndefined();
    }
    expect(() => encodeButtonKey({ a: 'x', r: '字'.repeat(400) }, { index: 0 })).toThrow(/too long/);
  });
});

describe('wecom task ids', () => {
  it('are ≤ 128 bytes of the allowed characters, stable, and differ per recipient and send', () => {
    const a = taskIdFor(RID, { type: 'user', id: 'ZhangSan' }, 'card-1');
    expect(a).toMatch(TASK_ID_RE);
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(128);
    expect(taskIdFor(RID, { type: 'user', id: 'ZhangSan' }, 'card-1')).toBe(a);
    expect(taskIdFor(RID, { type: 'user', id: 'LiSi' }, 'card-1')).not.toBe(a);
    expect(taskIdFor(RID, { type: 'user', id: 'ZhangSan' }, 'card-2')).not.toBe(a);
    const odd = taskIdFor('form', { type: 'user', id: 'zhang.san@corp' }, 'form-wecom-123:456');
    expect(odd).toMatch(TASK_ID_RE);
  });
});

describe('wecom callback crypto', () => {
  it('opens messages of every length (32-byte PKCS#7 blocks) signed with our token', () => {
    for (let n = 0; n < 80; n++) {
      const msg = `<xml>${'字x'.slice(0, 1 + (n % 2)).repeat(n)}</xml>`;
      expect(openEnvelope(KEYS, signed(wecomEncrypt(KEYS.encodingAESKey, msg, KEYS.corpId)))).toBe(msg);
    }
  });

  it('refuses a forged signature (401), another corp (403), and garbage (400)', () => {
    const enc = wecomEncrypt(KEYS.encodingAESKey, '<xml/>', KEYS.corpId);
    const status = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err instanceof CallbackRejected ? err.status : 'other';
      }
      return 'ok';
    };
    expect(status(() => openEnvelope(KEYS, signed(enc, 'wrong-token')))).toBe(401);
    expect(status(() => openEnvelope(KEYS, { ...signed(enc), signature: 'x'.repeat(40) }))).toBe(401);
    expect(status(() => openEnvelope(KEYS, signed(wecomEncrypt(KEYS.encodingAESKey, '<xml/>', 'wwOTHERCORP'))))).toBe(403);
    expect(status(() => openEnvelope(KEYS, signed('not base64!')))).toBe(400);
    expect(status(() => openEnvelope(KEYS, signed(Buffer.alloc(40).toString('base64'))))).toBe(400);
    expect(status(() => openEnvelope(KEYS, signed(Buffer.alloc(48, 7).toString('base64'))))).not.toBe('other');
    // Encrypted with another app's key: decrypts to noise, never to our corp id.
    const other = wecomEncrypt('ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut', '<xml/>', KEYS.corpId);
    expect(status(() => openEnvelope(KEYS, signed(other)))).toBeOneOf([400, 403]);
  });

  it('seals passive replies that WeCom can open', () => {
    const r = sealReply(KEYS, '<xml><MsgType>text</MsgType></xml>');
    expect(wecomSignature(KEYS.token, r.timestamp, r.nonce, r.encrypt)).toBe(r.signature);
    expect(wecomDecrypt(KEYS.encodingAESKey, r.encrypt)).toEqual({ message: '<xml><MsgType>text</MsgType></xml>', receiveId: KEYS.corpId });
  });

  it('keeps a + in the query as a +', () => {
    expect(parseRawQuery('/x?echostr=ab%2Bc+d%3D&n=1&n=2')).toEqual({ echostr: 'ab+c+d=', n: '1' });
    expect(() => parseRawQuery('/x?a=%E0%A4%A')).toThrow(CallbackRejected);
  });
});

describe('wecom xml', () => {
  it('reads flat fields as strings, keeping 64-bit ids exact', () => {
    const f = parseXmlFields('<xml><MsgId>1234567890123456789</MsgId><Content><![CDATA[a <b> & ]]]]><![CDATA[> c]]></Content><Nested><X>1</X></Nested></xml>');
    expect(f.MsgId).toBe('1234567890123456789');
    expect(f.Content).toBe('a <b> & ]]> c');
    expect(f.Nested).toBeUndefined();
  });

  it('refuses DOCTYPE, malformed and rootless documents', () => {
    for (const x of ['', '   ', '<xml>', '<a>1</a>', '<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>', '<xml><a></xml>', 'garbage']) {
      expect(() => parseXmlFields(x), x).toThrow(XmlError);
    }
  });

  it('cdata survives its own terminator', () => {
    expect(parseXmlFields(`<xml><C>${cdata('x]]>y')}</C></xml>`).C).toBe('x]]>y');
  });
});

describe('wecom card rendering', () => {
  const card: Card = {
    kind: 'approval',
    title: '活动申请 A-0001｜春季团建活动，地点在杭州西湖边上的一个很长很长的名字的酒店',
    subtitle: '加急',
    status: { text: '审批中 · 部门负责人', tone: 'pending' },
    fields: Array.from({ length: 9 }, (_, i) => ({ label: `字段${i}`, value: `值 ${i}\n第二行` })),
    markdown: '● **部门负责人**：张三\n○ [财务](http://x)：李四',
    buttons: [
      { label: '同意', style: 'primary', action: { a: 'approve', r: RID, s: 'lead' } },
      { label: '驳回', style: 'danger', action: { a: 'reject', r: RID, s: 'lead' }, needsReason: true },
      { label: '退回修改', style: 'default', action: { a: 'return', r: RID, s: 'lead' }, needsReason: true },
    ],
    footer: '更新于 2025-03-01 10:00',
    link: 'https://qianpi.example.com/console#/r/1',
  };

  it('renders a button_interaction card within WeCom limits', () => {
    const tc = renderTemplateCard(card, 'qp_task', 'zh-CN');
    expect(tc.card_type).toBe('button_interaction');
    expect([...tc.main_title.title].length).toBeLessThanOrEqual(36);
    expect(tc.horizontal_content_list).toHaveLength(6);
    expect(tc.horizontal_content_list?.at(-1)).toMatchObject({ type: 1, url: card.link });
    expect(tc.card_action).toEqual({ type: 1, url: card.link });
    // Fields beyond the six items are detail lines before the body, not dropped.
    expect(tc.sub_title_text).toBe('字段5：值 5 第二行\n字段6：值 6 第二行\n字段7：值 7 第二行\n字段8：值 8 第二行\n● 部门负责人：张三\n○ 财务：李四');
    const buttons = tc.button_list ?? [];
    expect(buttons.map((b) => b.style)).toEqual([1, 2, 4]);
    const keys = buttons.map((b) => decodeButtonKey(b.key ?? ''));
    expect(keys.map((k) => k?.needsReason)).toEqual([false, true, true]);
    expect(new Set(buttons.map((b) => b.key)).size).toBe(3);
    expect(tc.replace_text).toBeUndefined();
    expect(tc.source).toEqual({ desc: '审批中 · 部门负责人', desc_color: 1 });
  });

  it('keeps keyname ≤ 5 and value ≤ 30 characters: a field that does not fit moves whole to the detail lines', () => {
    const fields = [
      { label: '预算', value: '¥12,000' },
      { label: '活动开始时间', value: '2025-03-01 14:00' },
      { label: '地点', value: '杭州西湖边上的一个名字很长很长很长很长很长很长的国际会议中心三号厅' },
      { label: '人数', value: '80' },
    ];
    const tc = renderTemplateCard({ ...card, fields, markdown: undefined }, 'qp_task', 'zh-CN');
    const items = tc.horizontal_content_list ?? [];
    expect(items.map((i) => i.keyname)).toEqual(['预算', '人数', '详情']);
    for (const i of items) {
      expect([...i.keyname].length).toBeLessThanOrEqual(LIMIT.keyname);
      expect([...i.value].length).toBeLessThanOrEqual(LIMIT.value);
    }
    expect(tc.sub_title_text).toBe(`活动开始时间：2025-03-01 14:00\n地点：${fields[2]!.value}`);
  });

  it('message/send gets button_interaction with buttons, text_notice without (link), a text without either', () => {
    const open = renderSend(card, 'qp_task', 'zh-CN');
    expect(open.msgtype).toBe('template_card');
    const oc = open.msgtype === 'template_card' ? open.template_card : undefined;
    expect(oc).toMatchObject({ card_type: 'button_interaction', task_id: 'qp_task' });
    expect(oc?.button_list).toHaveLength(3);
    expect(oc?.replace_text).toBeUndefined();

    const decided = { ...card, buttons: [], status: { text: '已通过', tone: 'approved' as const } };
    const notice = renderSend(decided, 'qp_task2', 'zh-CN');
    const nc = notice.msgtype === 'template_card' ? notice.template_card : undefined;
    expect(nc).toMatchObject({ card_type: 'text_notice', card_action: { type: 1, url: card.link }, source: { desc: '已通过' } });
    expect(nc?.button_list).toBeUndefined();
    expect(nc?.replace_text).toBeUndefined();

    const text = renderSend({ ...decided, link: undefined }, 'qp_task3', 'zh-CN');
    expect(text.msgtype).toBe('text');
    const content = text.msgtype === 'text' ? text.text.content : '';
    expect(content).toContain('状态：已通过');
    expect(content).toContain('字段8：值 8 第二行');
    const form: Card = { kind: 'form', title: '发起活动申请', fields: [], buttons: [], form: { inputs: [{ name: 'a', label: '活动名称', kind: 'text', required: true }], submit: { label: '提交', action: { a: 'submit', t: 'event' } } } };
    const f = renderSend(form, 't', 'zh-CN');
    expect(f.msgtype === 'text' && f.text.content).toContain('企业微信卡片不支持表单');
  });

  it('a decided card gets a grey replacement button (update API)', () => {
    const tc = renderTemplateCard({ ...card, buttons: [], status: { text: '已通过', tone: 'approved' } }, 'qp_task', 'zh-CN');
    expect(tc.button_list).toEqual([]);
    expect(tc.replace_text).toBe('已通过');
  });

  it('a form card points to the web or says forms are unsupported (update API)', () => {
    const form: Card = { kind: 'form', title: '发起活动申请', fields: [], buttons: [], form: { inputs: [{ name: 'a', label: '活动名称', kind: 'text', required: true }], submit: { label: '提交', action: { a: 'submit', t: 'event' } } } };
    expect(renderTemplateCard(form, 't', 'zh-CN').replace_text).toBe('企业微信卡片不支持表单');
    expect(renderTemplateCard({ ...form, link: 'https://x' }, 't', 'zh-CN').button_list).toEqual([{ text: '去网页填写', style: 1, type: 1, url: 'https://x' }]);
  });

  it('chat notices and result texts stay within 2048 bytes and keep the link', () => {
    const long = { ...card, fields: [{ label: '说明', value: '很长'.repeat(2000) }] };
    const notice = renderChatNotice(long, 'zh-CN');
    expect(Buffer.byteLength(notice)).toBeLessThanOrEqual(2048);
    expect(notice).toContain(`(${card.link})`);
    expect(renderResultText(card, 'zh-CN')).toContain('状态：审批中');
  });
});
