// The pure parts of the Feishu receiver: signature checks, normalisation, the token cache.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TenantTokens, toDeliveryError } from '../../src/channels/feishu/client.js';
import { AESCipher } from '@larksuiteoapi/node-sdk';
import { checkSignature, createDecryptor } from '../../src/channels/feishu/crypto.js';
import { feishuEncrypt } from '../fakes/feishu-server.js';
import { localiseDateTime, normaliseEnvelope } from '../../src/channels/feishu/normalise.js';
import { formButtonName } from '../../src/channels/feishu/form-names.js';
import { createWsHandlers, envelopeFromFlat } from '../../src/channels/feishu/ws.js';
import { sanitizeEvent, sanitizeInput, withinBounds } from '../../src/channels/inbound.js';
import type { InboundEvent } from '../../src/channels/inbound.js';
import { pino } from 'pino';

const sign = (ts: string, nonce: string, key: string, body: string) => createHash('sha256').update(ts + nonce + key + body).digest('hex');

describe('feishu decryption', () => {
  it("agrees with the SDK's AESCipher on every length around the block size, Chinese included", () => {
    const key = 'an-encrypt-key';
    const ours = createDecryptor(key);
    const sdk = new AESCipher(key);
    for (let n = 0; n <= 70; n++) {
      const plain = JSON.stringify({ text: '审批'.repeat(n % 5) + 'x'.repeat(n) });
      const sealed = feishuEncrypt(plain, key);
      expect(ours(sealed)).toBe(plain);
      expect(ours(sealed)).toBe(sdk.decrypt(sealed));
    }
  });

  it('a wrong key never yields the text; a truncated ciphertext or garbage throws', () => {
    const sealed = feishuEncrypt('{"a":1}', 'right');
    // Usually "bad decrypt"; about 1 in 256 times the padding happens to look valid and it is noise.
    const wrong = (() => {
      try {
        return createDecryptor('wrong')(sealed);
      } catch {
        return undefined;
      }
    })();
    expect(wrong).not.toBe('{"a":1}');
    expect(() => createDecryptor('right')(sealed.slice(0, 20))).toThrow();
    expect(() => createDecryptor('right')('not base64 at all!')).toThrow();
  });
});

describe('feishu signature check', () => {
  const now = 1_780_000_000_000;
  const ts = String(now / 1000);
  const body = Buffer.from('{"encrypt":"abc"}');
  const headers = (over: Record<string, string | undefined> = {}) => ({
    'x-lark-request-timestamp': ts,
    'x-lark-request-nonce': 'n1',
    'x-lark-signature': sign(ts, 'n1', 'k', body.toString()),
    ...over,
  });

  it('accepts the documented signature, in either hex case', () => {
    expect(checkSignature(headers(), body, 'k', 3600, now)).toEqual({ ok: true });
    expect(checkSignature(headers({ 'x-lark-signature': sign(ts, 'n1', 'k', body.toString()).toUpperCase() }), body, 'k', 3600, now)).toEqual({ ok: true });
  });
  it('refuses missing, stale, future and forged signatures', () => {
    expect(checkSignature(headers({ 'x-lark-signature': undefined }), body, 'k', 3600, now)).toEqual({ ok: false, reason: 'missing' });
    expect(checkSignature(headers(), body, 'k', 3600, now + 3601_000)).toEqual({ ok: false, reason: 'stale' });
    expect(checkSignature(headers(), body, 'k', 3600, now - 3601_000)).toEqual({ ok: false, reason: 'stale' });
    expect(checkSignature(headers({ 'x-lark-request-timestamp': 'soon' }), body, 'k', 3600, now)).toEqual({ ok: false, reason: 'stale' });
    expect(checkSignature(headers(), body, 'other', 3600, now)).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('feishu normalisation', () => {
  const ctx = { timezone: 'Asia/Shanghai', now: () => new Date('2026-05-01T00:00:00Z') };
  const msg = (content: unknown, type = 'text', mentions?: unknown[]) => ({
    schema: '2.0',
    header: { event_id: 'e1', event_type: 'im.message.receive_v1' },
    event: { sender: { sender_id: { open_id: 'ou_a' }, sender_type: 'user' }, message: { chat_id: 'oc_g', chat_type: 'group', message_type: type, content: JSON.stringify(content), ...(mentions ? { mentions } : {}) } },
  });

  it('without the bot identity, takes a leading mention for the bot', () => {
    const mentions = [
      { key: '@_user_1', id: { open_id: 'ou_x' }, name: '签批' },
      { key: '@_user_2', id: { open_id: 'ou_y' }, name: '孙丽' },
    ];
    const n = normaliseEnvelope(msg({ text: '@_user_1 转给 @_user_2' }, 'text', mentions), ctx);
    expect(n).toMatchObject({ kind: 'event', event: { text: '转给 @孙丽', mentioned: true, receivedAt: '2026-05-01T00:00:00.000Z' } });
    expect(normaliseEnvelope(msg({ text: '你好 @_user_2' }, 'text', mentions.slice(1)), ctx)).toMatchObject({ kind: 'ignore' });
  });

  it('reads locale-wrapped rich text and ignores images and bots', () => {
    const post = { zh_cn: { title: '标题', content: [[{ tag: 'at', user_id: '@_user_1' }, { tag: 'text', text: ' 我的待办' }]] } };
    const n = normaliseEnvelope(msg(post, 'post', [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: 'bot' }]), { ...ctx, botOpenId: 'ou_bot' });
    expect(n).toMatchObject({ kind: 'event', event: { text: '标题 我的待办' } });
    expect(normaliseEnvelope(msg({ image_key: 'img' }, 'image'), ctx)).toMatchObject({ kind: 'ignore' });
    const fromApp = msg({ text: 'x' });
    (fromApp.event.sender as Record<string, unknown>).sender_type = 'app';
    expect(normaliseEnvelope(fromApp, ctx)).toMatchObject({ kind: 'ignore' });
  });

  it('flags broken envelopes as invalid', () => {
    expect(normaliseEnvelope({ schema: '2.0', header: {} }, ctx)).toMatchObject({ kind: 'invalid' });
    expect(normaliseEnvelope({ hello: 1 }, ctx)).toMatchObject({ kind: 'invalid' });
    const noSender = msg({ text: 'x' });
    noSender.event.sender.sender_id = {} as never;
    expect(normaliseEnvelope(noSender, ctx)).toMatchObject({ kind: 'invalid' });
  });

  it('rebuilds the envelope from the SDK’s flattened long-connection data', () => {
    const flat = { event_id: 'e9', event_type: 'card.action.trigger', token: 'c-x', operator: { open_id: 'ou_z' }, action: { value: { a: 'approve', r: 'r1' } }, context: { open_message_id: 'om' } };
    expect(normaliseEnvelope(envelopeFromFlat(flat), ctx)).toMatchObject({ kind: 'event', event: { kind: 'card_action', eventId: 'e9', senderId: 'ou_z', action: { a: 'approve', r: 'r1' }, message: { messageId: 'om' } } });
  });

  it('converts picker answers to the organisation’s zone', () => {
    expect(localiseDateTime('2026-05-20 15:30 +0800', 'Asia/Shanghai')).toBe('2026-05-20 15:30');
    expect(localiseDateTime('2026-05-20 23:30 -0100', 'Asia/Shanghai')).toBe('2026-05-21 08:30');
    expect(localiseDateTime('2026-05-20 +0800', 'Asia/Shanghai')).toBe('2026-05-20');
    expect(localiseDateTime('预算超标', 'Asia/Shanghai')).toBe('预算超标');
  });
});

describe('feishu tenant token cache and error mapping', () => {
  it('refreshes before expiry, shares one fetch, and drops only the token it was told about', async () => {
    let clock = 0;
    let fetches = 0;
    const tokens = new TenantTokens(async () => ({ token: `t${++fetches}`, expireSeconds: 7200 }), () => clock);
    expect(await Promise.all([tokens.get(), tokens.get(), tokens.get()])).toEqual(['t1', 't1', 't1']);
    clock = (7200 - 301) * 1000;
    expect(await tokens.get()).toBe('t1');
    clock = (7200 - 299) * 1000;
    expect(await tokens.get()).toBe('t2');
    tokens.invalidate('t1');
    expect(await tokens.get()).toBe('t2');
    tokens.invalidate('t2');
    expect(await tokens.get()).toBe('t3');
  });

  it('keeps no rejected fetch cached', async () => {
    let n = 0;
    const tokens = new TenantTokens(async () => {
      if (++n === 1) throw new Error('down');
      return { token: 'ok', expireSeconds: 7200 };
    });
    await expect(tokens.get()).rejects.toThrow('down');
    expect(await tokens.get()).toBe('ok');
  });

  it('maps failures', () => {
    expect(toDeliveryError('op', { network: 'ETIMEDOUT' })).toMatchObject({ permanent: false, code: 'ETIMEDOUT' });
    expect(toDeliveryError('op', { status: 400, body: { code: 230001, msg: 'invalid param' } })).toMatchObject({ permanent: true, code: 230001, message: 'feishu op: 230001 invalid param' });
    expect(toDeliveryError('op', { status: 400, body: { code: 99991400, msg: 'limit' } })).toMatchObject({ permanent: false });
    expect(toDeliveryError('op', { status: 503 })).toMatchObject({ permanent: false, code: 'http_503' });
  });
});

describe('feishu form submits', () => {
  const click = (action: Record<string, unknown>) => ({
    schema: '2.0',
    header: { event_id: `ev-${Math.random()}`, event_type: 'card.action.trigger', create_time: String(Date.now()), token: 't', app_id: 'cli_x' },
    event: { operator: { open_id: 'ou_zhaolei' }, action, context: { open_message_id: 'om_1', open_chat_id: 'oc_1' } },
  });
  const ctx = { timezone: 'Asia/Shanghai' };
  const reject = { a: 'reject', r: '0b4c2a4e-1f2d-4c3b-9a8e-7d6c5b4a3f21', s: 'dept-lead' };

  it('tells reject from send-back and submit from resubmit by action.name alone (no value, as Feishu sends a form submit)', () => {
    const r = normaliseEnvelope(click({ tag: 'button', name: formButtonName(reject), form_value: { reason: '预算超标' } }), ctx);
    expect(r).toMatchObject({ kind: 'event', event: { kind: 'card_action', action: reject, form: { reason: '预算超标' }, message: { messageId: 'om_1' } } });
    const back = normaliseEnvelope(click({ tag: 'button', name: formButtonName({ ...reject, a: 'return' }), form_value: { reason: '补充预算' } }), ctx);
    expect(back).toMatchObject({ kind: 'event', event: { action: { a: 'return' } } });
    const resubmit = normaliseEnvelope(click({ tag: 'button', name: formButtonName({ a: 'resubmit', r: 'req-1', t: 'event' }), form_value: { title: 'x' } }), ctx);
    expect(resubmit).toMatchObject({ kind: 'event', event: { action: { a: 'resubmit', r: 'req-1', t: 'event' }, form: { title: 'x' } } });
  });

  it('still accepts a value (cards sent before form buttons were named; plain buttons)', () => {
    const old = normaliseEnvelope(click({ tag: 'button', name: 'btn_reject_1', value: reject, form_value: { reason: 'r' } }), ctx);
    expect(old).toMatchObject({ kind: 'event', event: { action: reject } });
    expect(normaliseEnvelope(click({ tag: 'button', value: { a: 'approve', r: 'q', s: 's' } }), ctx)).toMatchObject({ kind: 'event', event: { action: { a: 'approve' } } });
    expect(normaliseEnvelope(click({ tag: 'button', name: 'form_submit', form_value: {} }), ctx)).toMatchObject({ kind: 'stale' });
  });
});

describe('feishu long connection handlers', () => {
  const flat = (type: string, event: Record<string, unknown>) => ({ event_id: `ev-${type}`, event_type: type, create_time: String(Date.now()), app_id: 'cli_x', ...event });
  it('a click whose value is not ours is answered with the "no longer valid" toast; a message is keyed by its message_id', async () => {
    const seen: InboundEvent[] = [];
    const handlers = createWsHandlers({ log: pino({ level: 'silent' }), context: () => ({ timezone: 'Asia/Shanghai' }), ingest: async (e) => (seen.push(e), { status: 'accepted' }) });
    const stale = await handlers['card.action.trigger'](flat('card.action.trigger', { operator: { open_id: 'ou_x' }, action: { value: { foo: 1 } } }));
    expect(stale).toEqual({ toast: { type: 'info', content: '该卡片已失效，请在最新的卡片上操作' } });
    await handlers['im.message.receive_v1'](
      flat('im.message.receive_v1', { sender: { sender_id: { open_id: 'ou_x' }, sender_type: 'user' }, message: { message_id: 'om_ws_1', chat_id: 'oc_1', chat_type: 'p2p', message_type: 'text', content: '{"text":"hi"}' } }),
    );
    expect(seen.map((e) => e.eventId)).toEqual(['om_ws_1']);
  });
});

describe('inbound text normalisation', () => {
  it('removes NUL and other controls, keeps tab and line breaks, replaces lone surrogates, keeps emoji and joiners', () => {
    expect(sanitizeInput('a\u0000b\u0001c\u007f\u0085d')).toBe('abcd');
    expect(sanitizeInput('line\tone\r\nline two\n')).toBe('line\tone\r\nline two\n');
    expect(sanitizeInput('x\ud800y\udc00z')).toBe('x\ufffdy\ufffdz');
    expect(sanitizeInput('\ufeff家\u200b人 👨\u200d👩\u200d👧 😀')).toBe('家人 👨\u200d👩\u200d👧 😀');
  });
  it('reaches every string of an event, keys included', () => {
    const e = sanitizeEvent({ kind: 'card_action', platform: 'feishu', eventId: 'e\u0000', receivedAt: 'now', senderId: 'ou\u0000', action: { a: 'reject', r: 'r\u0000' }, form: { 're\u0000ason': 'no\u0000' }, message: { chatId: 'c\ud800' } });
    expect(e).toEqual({ kind: 'card_action', platform: 'feishu', eventId: 'e', receivedAt: 'now', senderId: 'ou', action: { a: 'reject', r: 'r' }, form: { reason: 'no' }, message: { chatId: 'c\ufffd' } });
  });
  it('withinBounds checks depth and size without recursion', () => {
    expect(withinBounds({ a: [1, { b: 'c' }] })).toBe(true);
    expect(withinBounds(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toBe(false);
    expect(withinBounds(Array.from({ length: 3000 }, () => 1))).toBe(false);
    expect(withinBounds('a string')).toBe(true);
  });
});
