// 10,000 fuzzed requests over every route — the integration and read API, the Feishu, DingTalk
// and WeCom receivers with and without valid signatures, the simulator, health, metrics, the
// queue dashboard and unknown paths — and not one may get a 5xx (#13 item 8).
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { EVENT_FORM } from '../support/sim-client.js';
import { feishuEncrypt, feishuSignHeaders } from '../fakes/feishu-server.js';
import { wecomEncrypt, wecomSignature } from '../fakes/wecom-server.js';

const TOKEN = 'fuzz-admin-token-0123456789';
const FS = { appId: 'cli_00000000000f0220', secret: 'fs-secret', token: 'fs-token', key: 'fs-encrypt-key' };
const DT = { clientId: 'dingfuzz', secret: 'dt-secret-fuzz' };
const WC = { token: 'fuzzToken', encodingAESKey: 'kWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', corpId: 'wwqianpifuzz0001', agentId: 1000042, secret: 'wc-secret' };
const RUNS = 10_000;
const PEOPLE = ['liming', 'liuyang', 'hanmei', 'wangfang', 'chenjie', 'zhaolei'];

let t: TestApp;
let requestId = '';
let stepId = '';
beforeAll(async () => {
  // The web role alone: receivers enqueue, nothing is delivered (no platform is called).
  t = await startTestApp({
    PROCESS_ROLE: 'web',
    SIMULATOR: 'on',
    ADMIN_TOKEN: TOKEN,
    FEISHU_APP_ID: FS.appId,
    FEISHU_APP_SECRET: FS.secret,
    FEISHU_VERIFICATION_TOKEN: FS.token,
    FEISHU_ENCRYPT_KEY: FS.key,
    DINGTALK_CLIENT_ID: DT.clientId,
    DINGTALK_CLIENT_SECRET: DT.secret,
    DINGTALK_MODE: 'http',
    WECOM_CORP_ID: WC.corpId,
    WECOM_AGENT_ID: String(WC.agentId),
    WECOM_SECRET: WC.secret,
    WECOM_TOKEN: WC.token,
    WECOM_ENCODING_AES_KEY: WC.encodingAESKey,
  });
  const r = await t.app.http.inject({ method: 'POST', url: '/api/requests', headers: { authorization: `Bearer ${TOKEN}` }, payload: { applicantId: 'liming', type: 'event', form: EVENT_FORM } });
  const body = r.json() as { request: { id: string; current: number; steps: Array<{ id: string }> } };
  requestId = body.request.id;
  stepId = body.request.steps[body.request.current]!.id;
}, 120_000);
afterAll(() => t?.close());

// ---- values ---------------------------------------------------------------------------------
/** Any UTF-16 code unit: NUL, control characters, lone surrogates, BOM, RTL marks. */
const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const nastyString = fc.oneof(
  fc.string({ unit, maxLength: 40 }),
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\ufeff', '\u202e', '%00', '../../etc/passwd', "'; drop table requests; --", '${7*7}', '__proto__', 'constructor', '<![CDATA[x]]>', '😀'.repeat(50)),
  fc.string({ maxLength: 20 }),
  fc.constantFrom(...PEOPLE, 'east-branch', 'event', 'E-0001', '00000000-0000-4000-a000-000000000000', '-'.repeat(36), 'f'.repeat(36)),
  fc.nat(3).map((n) => 'x'.repeat(10 ** (n + 1))),
);
const leaf = fc.oneof(nastyString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt().map(String));
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(nastyString, tie('v'), { maxKeys: 4 })),
})).v;
/** An object with the route's own field names (so validation goes deep) plus noise. */
const shaped = (fields: string[]) =>
  fc.tuple(fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: fields.length }), fc.dictionary(nastyString, value, { maxKeys: 2 })).map(([a, b]) => ({ ...b, ...a }));
const rawBody = fc.oneof(fc.string({ unit, maxLength: 200 }), fc.constantFrom('', '{', '[]', 'null', '"x"', '{"a":1}{', '\u0000', '<xml><Encrypt>', `{"a":${'['.repeat(3000)}}`));
/** A path segment, percent-encoded byte by byte (lone surrogates too), or raw broken escapes. */
const segment = fc.oneof(
  nastyString.map((s) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('')),
  fc.constantFrom('%', '%zz', '%ff', '%c0%80', '%ed%a0%80', '%00', '..', '%2e%2e', ''),
  fc.constantFrom(...PEOPLE, 'E-0001', '00000000-0000-4000-a000-000000000000'),
);
const query = fc.oneof(fc.constant(''), fc.tuple(nastyString, nastyString).map(([k, v]) => `?${encodeURIComponent(k.replace(/[\ud800-\udfff]/g, ''))}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, ''))}`), fc.constantFrom('?as=%00', '?as=%ff', '?token=x', '?as=liming&as=hanmei', '?%=%'));
const auth = fc.constantFrom<Record<string, string>>({ authorization: `Bearer ${TOKEN}` }, { authorization: `Bearer ${TOKEN}` }, {}, { authorization: 'Bearer wrong' }, { authorization: 'Basic x' });
const contentType = fc.constantFrom('application/json', 'application/json', 'text/plain', 'application/xml', 'text/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1');

interface Req {
  route: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  payload?: string;
}
const json = (v: unknown) => JSON.stringify(v) ?? 'null';
const asPayload = fc.oneof({ weight: 3, arbitrary: value.map(json) }, { weight: 1, arbitrary: rawBody });

// ---- signing ----------------------------------------------------------------------------------
let seq = 0;
const base = Date.now();
const dingHeaders = () => {
  // A fresh timestamp per request: a pair is valid with one body only (the receiver remembers it).
  const timestamp = String(base - ++seq);
  return { timestamp, sign: createHmac('sha256', DT.secret).update(`${timestamp}\n${DT.secret}`).digest('base64') };
};
function feishuSigned(inner: string, encrypt: boolean): { payload: string; headers: Record<string, string> } {
  const payload = encrypt ? JSON.stringify({ encrypt: feishuEncrypt(inner, FS.key) }) : inner;
  return { payload, headers: feishuSignHeaders(payload, FS.key) };
}
function wecomSigned(innerXml: string): { payload: string; url: string } {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = String(++seq);
  const encrypt = wecomEncrypt(WC.encodingAESKey, innerXml, WC.corpId);
  return {
    payload: `<xml><ToUserName><![CDATA[${WC.corpId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt><AgentID><![CDATA[${WC.agentId}]]></AgentID></xml>`,
    url: `/webhooks/wecom?msg_signature=${wecomSignature(WC.token, ts, nonce, encrypt)}&timestamp=${ts}&nonce=${nonce}`,
  };
}
const xmlOf = (o: Record<string, unknown>) => `<xml>${Object.entries(o).map(([k, v]) => `<${k.replace(/[^A-Za-z]/g, '') || 'X'}><![CDATA[${typeof v === "string" ? v : json(v)}]]></${k.replace(/[^A-Za-z]/g, '') || 'X'}>`).join('')}</xml>`;

// ---- routes -----------------------------------------------------------------------------------
const routes: Array<fc.Arbitrary<Req>> = [
  fc.record({ a: auth, body: fc.oneof(shaped(['applicantId', 'type', 'form', 'payload', 'urgent']), fc.record({ applicantId: fc.constantFrom(...PEOPLE), type: fc.constant('event'), form: fc.dictionary(fc.constantFrom(...Object.keys(EVENT_FORM)), nastyString) })), key: fc.option(nastyString.map((s) => s.replace(/[^\x20-\x7e]/g, '')), { nil: undefined }) })
    .map(({ a, body, key }) => ({ route: 'POST /api/requests', method: 'POST', url: '/api/requests', headers: { ...a, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, payload: json(body) })),
  fc.record({ a: auth, id: fc.oneof(segment, fc.constant('REQ')), body: fc.oneof(shaped(['actorId', 'action', 'stepId', 'reason', 'comment', 'to', 'signers', 'position']), fc.record({ actorId: fc.constantFrom(...PEOPLE), action: fc.constantFrom('approve', 'reject', 'return', 'transfer', 'add_signer', 'withdraw', 'comment'), stepId: fc.constantFrom('STEP', 'x', '\u0000'), reason: nastyString, comment: nastyString, to: fc.constantFrom(...PEOPLE, '\ud800'), signers: fc.array(nastyString, { maxLength: 3 }) }, { requiredKeys: ['actorId', 'action'] })) })
    .map(({ a, id, body }) => ({ route: 'POST /api/requests/:id/actions', method: 'POST', url: `/api/requests/${id === 'REQ' ? requestId : id}/actions`, headers: { ...a, 'content-type': 'application/json' }, payload: json(body).replace('"STEP"', JSON.stringify(stepId)) })),
  fc.record({ a: auth, id: segment, q: query }).map(({ a, id, q }) => ({ route: 'GET /api/departments/:id/overview', method: 'GET', url: `/api/departments/${id}/overview${q}`, headers: a })),
  fc.record({ a: auth, id: fc.oneof({ weight: 9, arbitrary: segment }, { weight: 1, arbitrary: fc.constant('REQ') }), q: query }).map(({ a, id, q }) => ({ route: 'GET /api/requests/:id', method: 'GET', url: `/api/requests/${id === 'REQ' ? requestId : id}${q}`, headers: a })),
  fc.record({ a: auth, id: segment, which: fc.constantFrom('pending', 'requests') }).map(({ a, id, which }) => ({ route: `GET /api/people/:id/${which}`, method: 'GET', url: `/api/people/${id}/${which}`, headers: a })),
  // Feishu: unsigned noise, signed plain JSON, signed + encrypted JSON (valid envelope, fuzzed event).
  fc.record({ ct: contentType, body: asPayload }).map(({ ct, body }) => ({ route: 'POST /webhooks/feishu (unsigned)', method: 'POST', url: '/webhooks/feishu', headers: { 'content-type': ct }, payload: body })),
  fc.record({ enc: fc.boolean(), event: shaped(['schema', 'header', 'event', 'challenge', 'token', 'type', 'encrypt']) }).map(({ enc, event }) => {
    const e = { schema: '2.0', header: { event_id: `fz-${++seq}`, event_type: 'im.message.receive_v1', token: FS.token, app_id: FS.appId, create_time: String(Date.now()) }, ...event };
    const s = feishuSigned(json(e), enc);
    return { route: 'POST /webhooks/feishu (signed)', method: 'POST', url: '/webhooks/feishu', headers: { 'content-type': 'application/json', ...s.headers }, payload: s.payload };
  }),
  // DingTalk HTTP: unsigned, and signed with fuzzed robot messages / card callbacks.
  fc.record({ ct: contentType, body: asPayload, h: fc.constantFrom<Record<string, string>>({}, { timestamp: 'abc', sign: 'x' }, { timestamp: String(Date.now()), sign: '%zz' }) }).map(({ ct, body, h }) => ({ route: 'POST /webhooks/dingtalk (unsigned)', method: 'POST', url: '/webhooks/dingtalk', headers: { 'content-type': ct, ...h }, payload: body })),
  fc.record({ body: fc.oneof(asPayload, shaped(['msgId', 'msgtype', 'text', 'conversationId', 'conversationType', 'senderStaffId', 'content', 'value', 'outTrackId', 'userId', 'type', 'corpId']).map(json)) }).map(({ body }) => ({ route: 'POST /webhooks/dingtalk (signed)', method: 'POST', url: '/webhooks/dingtalk', headers: { 'content-type': 'application/json', ...dingHeaders() }, payload: body })),
  // WeCom: URL checks and callbacks, unsigned and correctly sealed around fuzzed XML.
  fc.record({ q: query, body: fc.option(rawBody, { nil: undefined }) }).map(({ q, body }) => ({ route: 'POST|GET /webhooks/wecom (unsigned)', method: body === undefined ? 'GET' : 'POST', url: `/webhooks/wecom${q}`, headers: { 'content-type': 'text/xml' }, ...(body !== undefined ? { payload: body } : {}) })),
  fc.record({ inner: fc.oneof(rawBody, shaped(['ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Content', 'MsgId', 'AgentID', 'Event', 'EventKey', 'TaskId', 'CardType', 'ResponseCode']).map(xmlOf)) }).map(({ inner }) => {
    const s = wecomSigned(inner);
    return { route: 'POST /webhooks/wecom (signed)', method: 'POST', url: s.url, headers: { 'content-type': 'text/xml' }, payload: s.payload };
  }),
  // The simulator.
  fc.record({ q: query }).map(({ q }) => ({ route: 'GET /api/sim/bootstrap|history', method: 'GET', url: `/api/sim/${seq++ % 2 ? 'bootstrap' : 'history'}${q}`, headers: {} })),
  fc.record({ as: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...PEOPLE) }, { weight: 3, arbitrary: nastyString }) }).map(({ as }) => ({ route: 'GET /api/sim/history?as=', method: 'GET', url: `/api/sim/history?as=${encodeURIComponent(as.replace(/[\ud800-\udfff]/g, '?'))}`, headers: {} })),
  fc.record({ type: segment }).map(({ type }) => ({ route: 'GET /api/sim/forms/:type', method: 'GET', url: `/api/sim/forms/${type}`, headers: {} })),
  // Never a real person: a valid `as` would open an event stream that inject waits on forever.
  fc.record({ q: fc.constantFrom('', '?as=', '?as=ghost', '?as=%00', '?as=%ff', '?x=1') }).map(({ q }) => ({ route: 'GET /api/sim/stream', method: 'GET', url: `/api/sim/stream${q}`, headers: {} })),
  fc.record({ body: fc.oneof(shaped(['as', 'conversation', 'text', 'clientId']), fc.record({ as: fc.constantFrom(...PEOPLE), conversation: fc.constantFrom('dm:liming', 'room:east_approvals', 'dm:x'), text: nastyString, clientId: fc.option(nastyString, { nil: undefined }) }, { requiredKeys: ['as', 'conversation', 'text'] })), ct: fc.oneof({ weight: 4, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: contentType }) })
    .map(({ body, ct }) => ({ route: 'POST /api/sim/messages', method: 'POST', url: '/api/sim/messages', headers: { 'content-type': ct }, payload: json(body) })),
  fc.record({ as: fc.constantFrom('liming', 'liuyang'), text: nastyString, clientId: fc.option(nastyString, { nil: undefined }) }).map(({ as, text, clientId }) => ({ route: 'POST /api/sim/messages (member)', method: 'POST', url: '/api/sim/messages', headers: { 'content-type': 'application/json' }, payload: json({ as, conversation: `dm:${as}`, text, ...(clientId !== undefined ? { clientId } : {}) }) })),
  fc.record({ body: fc.oneof(shaped(['as', 'messageId', 'action', 'form', 'clientId']), fc.record({ as: fc.constantFrom(...PEOPLE), messageId: fc.oneof(fc.constant(null), fc.integer()), action: fc.oneof(value, fc.record({ a: fc.constantFrom('approve', 'reject', 'submit', 'x'), r: fc.constantFrom('REQ', '-'.repeat(36), 'f'.repeat(36), '\u0000'), s: nastyString })), form: fc.dictionary(nastyString, nastyString, { maxKeys: 3 }) }, { requiredKeys: ['as', 'action'] })) })
    .map(({ body }) => ({ route: 'POST /api/sim/actions', method: 'POST', url: '/api/sim/actions', headers: { 'content-type': 'application/json' }, payload: json(body).replace('"REQ"', JSON.stringify(requestId)) })),
  // Health, metrics, the dashboard, static files and paths that do not exist.
  fc.record({ a: auth, path: fc.constantFrom('/healthz', '/readyz', '/metrics', '/admin/queues', '/admin/queues/api/queues', '/', '/index.html', '/app.js'), q: query }).map(({ a, path, q }) => ({ route: `GET ${path}`, method: 'GET', url: `${path}${q}`, headers: a })),
  fc.record({ a: auth, method: fc.constantFrom<Req['method']>('GET', 'POST', 'PUT', 'DELETE'), segs: fc.array(segment, { minLength: 1, maxLength: 4 }), body: fc.option(rawBody, { nil: undefined }), ct: contentType })
    .map(({ a, method, segs, body, ct }) => ({ route: 'any path', method, url: `/${segs.join('/')}`, headers: { ...a, 'content-type': ct }, ...(body !== undefined && method !== 'GET' ? { payload: body } : {}) })),
];

describe('fuzzed requests over every route', () => {
  it(`answers ${RUNS} of them without a single 5xx`, async () => {
    const samples = fc.sample(fc.oneof(...routes), { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 20261204) });
    const failures: Array<{ route: string; status: number; url: string; payload?: string; body: string }> = [];
    const perRoute = new Map<string, number>();
    const timing = new Map<string, [number, number]>();
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < samples.length) {
          const r = samples[next++]!;
          perRoute.set(r.route, (perRoute.get(r.route) ?? 0) + 1);
          const t0 = performance.now();
          const res = await t.app.http.inject({ method: r.method, url: r.url, headers: r.headers, ...(r.payload !== undefined ? { payload: r.payload } : {}) });
          const k = `${r.route} ${res.statusCode}`;
          const e = timing.get(k) ?? [0, 0];
          timing.set(k, [e[0] + 1, e[1] + performance.now() - t0]);
          if (res.statusCode >= 500) failures.push({ route: r.route, status: res.statusCode, url: r.url.slice(0, 200), payload: r.payload?.slice(0, 300), body: res.body.slice(0, 200) });
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    if (process.env.FUZZ_TIMING) console.info([...timing].sort((a, b) => b[1][1] - a[1][1]).map(([k, [n, ms]]) => `${k}: ${n} × ${(ms / n).toFixed(1)} ms = ${(ms / 1000).toFixed(1)} s`).join('\n'));
    console.info(`fuzz: ${RUNS} requests in ${seconds.toFixed(1)} s over ${perRoute.size} routes`, Object.fromEntries(perRoute));
    expect(perRoute.size).toBeGreaterThanOrEqual(routes.length);
    expect({ count: failures.length, first: failures.slice(0, 10) }).toEqual({ count: 0, first: [] });
  }, 120_000);
});
