// Outbound webhooks' pure rules: the signature (a vector computed independently with openssl),
// which addresses a webhook may reach, which events a transition makes; and the delivery-time
// check of the resolved address (a name that resolves to loopback is refused at connect).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AuditEntry, RequestState, TransitionOk } from '../../src/core/model.js';
import { BUILTIN_TYPES } from '../../src/core/request-types.js';
import { addressAllowed, urlProblem } from '../../src/core/webhooks/address.js';
import { webhookEvents } from '../../src/core/webhooks/events.js';
import { signWebhook, verifyWebhook } from '../../src/core/webhooks/signature.js';
import { postWebhook } from '../../src/webhooks/send.js';
import { checkTarget, TargetRefused } from '../../src/webhooks/target.js';

describe('webhook signature', () => {
  it('is hex HMAC-SHA256 over "<timestamp>.<body>" (printf "1700000000.{\\"a\\":1}" | openssl dgst -sha256 -hmac secret-0123456789abcdef)', () => {
    expect(signWebhook('secret-0123456789abcdef', 1700000000, '{"a":1}')).toBe('v1=8eae3d28cb521b6b37f86de366c0b3de07baa3505577e5d97c7b1625541e4a2c');
  });
  it('verifies within 5 minutes only, and not a changed body', () => {
    const sig = signWebhook('s'.repeat(16), 1000, 'body');
    expect(verifyWebhook('s'.repeat(16), { timestamp: '1000', signature: sig }, 'body', 1200)).toBe(true);
    expect(verifyWebhook('s'.repeat(16), { timestamp: '1000', signature: sig }, 'body', 1301)).toBe(false);
    expect(verifyWebhook('s'.repeat(16), { timestamp: '1000', signature: sig }, 'bodY', 1000)).toBe(false);
    expect(verifyWebhook('t'.repeat(16), { timestamp: '1000', signature: sig }, 'body', 1000)).toBe(false);
  });
});

describe('webhook targets (SSRF)', () => {
  it('allows public unicast addresses only, unless private targets are allowed', () => {
    for (const ip of ['8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(addressAllowed(ip, false), ip).toEqual({ ok: true });
    const refused = ['127.0.0.1', '10.0.0.1', '172.16.3.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1', '64:ff9b::a00:1', '2002:a00:1::1', 'ff02::1'];
    for (const ip of refused) expect(addressAllowed(ip, false).ok, ip).toBe(false);
    for (const ip of refused) expect(addressAllowed(ip, true).ok, ip).toBe(true);
    expect(urlProblem('ftp://example.com/')).toBe('must be http or https');
    expect(urlProblem('https://user:pw@example.com/')).toBe('must not carry credentials');
    expect(urlProblem('https://example.com/hook')).toBeUndefined();
  });

  it('refuses at registration a name that resolves to loopback', async () => {
    await expect(checkTarget('http://localhost:9/', false)).rejects.toBeInstanceOf(TargetRefused);
    await expect(checkTarget('http://[::ffff:7f00:1]/', false)).rejects.toBeInstanceOf(TargetRefused);
    await expect(checkTarget('http://localhost:9/', true)).resolves.toBeUndefined();
  });

  it('refuses at delivery, by the connection’s own lookup, though a server listens there', async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const input = { secret: 's'.repeat(16), eventId: 'e', eventType: 'request.decided', deliveryId: 1, body: '{}', timestamp: 1 };
    try {
      await expect(postWebhook({ ...input, url: `http://localhost:${port}/` }, { allowPrivate: false, timeoutMs: 2000 })).rejects.toBeInstanceOf(TargetRefused);
      await expect(postWebhook({ ...input, url: `http://127.0.0.1:${port}/` }, { allowPrivate: false, timeoutMs: 2000 })).rejects.toBeInstanceOf(TargetRefused);
      expect(hits).toBe(0);
      expect(await postWebhook({ ...input, url: `http://localhost:${port}/` }, { allowPrivate: true, timeoutMs: 2000 })).toBe(204);
      expect(hits).toBe(1);
    } finally {
      server.close();
    }
  });

  it('does not follow a redirect', async () => {
    let redirected = 0;
    const server = createServer((req, res) => {
      if (req.url === '/elsewhere') redirected++;
      res.writeHead(302, { location: '/elsewhere' }).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      const status = await postWebhook({ url: `http://127.0.0.1:${port}/`, secret: 's'.repeat(16), eventId: 'e', eventType: 't', deliveryId: 1, body: '{}', timestamp: 1 }, { allowPrivate: true, timeoutMs: 2000 });
      expect(status).toBe(302);
      expect(redirected).toBe(0);
    } finally {
      server.close();
    }
  });
});

const state = (over: Partial<RequestState> = {}): RequestState => ({
  id: '00000000-0000-4000-a000-000000000001',
  number: 'R-0001',
  type: 'reimbursement',
  title: '报销',
  applicantId: 'liming',
  deptId: 'east',
  status: 'pending',
  payload: {},
  round: 1,
  steps: [{ id: 'finance', name: '财务审核', kind: 'approval', mode: 'any', approvers: ['zhao'], decisions: [], status: 'active' }],
  current: 0,
  version: 2,
  urgent: false,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T01:00:00.000Z',
  ...over,
});
const transition = (s: RequestState, audit: AuditEntry[], decisions: TransitionOk['decisions'] = []): TransitionOk => ({ ok: true, state: s, effects: [], audit, decisions, feedback: { key: 'feedback.approved', params: {} } });
const typeDef = (id: string) => BUILTIN_TYPES.find((d) => d.id === id);

describe('webhook events of a transition', () => {
  it('an approval by a delegate: the step change, then the decision with the decider, delegate, comment and amounts', () => {
    const s = state({ status: 'approved', current: null, payload: { items: [{ item: '机票', amount: 1200 }, { item: '酒店', amount: 34.5 }] } });
    const events = webhookEvents(
      transition(s, [{ action: 'approved_step', actorId: 'wang', platform: 'feishu', stepId: 'finance', detail: { name: '财务审核', onBehalfOf: 'zhao' } }, { action: 'approved', actorId: 'wang', platform: 'feishu', detail: {} }], [
        { personId: 'zhao', delegateId: 'wang', decision: 'approve', at: s.updatedAt, comment: '可以', platform: 'feishu', stepId: 'finance', round: 1 },
      ]),
      typeDef,
    );
    expect(events.map((e) => e.type)).toEqual(['step.changed', 'request.decided']);
    expect(events[0]!.change).toMatchObject({ action: 'approved_step', step: { id: 'finance', status: 'active' }, actor: 'wang' });
    expect(events[1]).toMatchObject({ version: 1, occurred_at: s.updatedAt, request: { number: 'R-0001', state: 'approved', step: null }, decision: { outcome: 'approved', decider: 'zhao', delegate: 'wang', comment: '可以', auto: false } });
    expect(events[1]!.request.amounts).toEqual({ items: 1234.5 });
  });

  it('escalation, an automatic rejection, reimbursement closing the event, withdrawal', () => {
    const esc = webhookEvents(transition(state(), [{ action: 'escalated', actorId: null, platform: 'system', stepId: 'finance', detail: { policy: 'notify', to: ['boss'] } }]), typeDef);
    expect(esc).toMatchObject([{ type: 'request.escalated', escalation: { step: { id: 'finance' }, policy: 'notify', to: ['boss'] } }]);
    const auto = webhookEvents(transition(state({ status: 'rejected', current: null }), [{ action: 'rejected', actorId: null, platform: 'system', stepId: 'finance', detail: { reason: '超时', auto: true } }]), typeDef);
    expect(auto.map((e) => e.type)).toEqual(['step.changed', 'request.decided']);
    expect(auto[1]!.decision).toEqual({ outcome: 'rejected', decider: null, delegate: null, comment: '超时', auto: true });
    const reimbursed = webhookEvents(transition(state({ type: 'event', status: 'closed', current: null }), [{ action: 'lifecycle.reimbursed', actorId: null, platform: null, detail: { to: 'closed' } }]), typeDef);
    expect(reimbursed.map((e) => e.type)).toEqual(['request.reimbursed', 'request.closed']);
    const withdrawn = webhookEvents(transition(state({ status: 'withdrawn', current: null }), [{ action: 'withdrawn', actorId: 'liming', platform: 'api', detail: {} }]), typeDef);
    expect(withdrawn.map((e) => e.type)).toEqual(['request.closed']);
    expect(webhookEvents(transition(state(), [{ action: 'commented', actorId: 'liming', platform: 'api', detail: { text: 'hi' } }]), typeDef)).toEqual([]);
  });
});
