// The admin API's outbound webhook routes (inside the admin scope: bearer ADMIN_TOKEN): register,
// list and delete endpoints, read the delivery log, redrive dead deliveries.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../core/webhooks/event-types.js';
import type { WebhookEndpointRow, WebhookStore } from '../store/webhooks-repo.js';
import { checkTarget, TargetRefused } from '../webhooks/target.js';
import { errorReplies, text, type zodScope } from './schemas.js';

type ZodApi = ReturnType<typeof zodScope>;

export interface WebhookRouteDeps {
  store: Pick<WebhookStore, 'listEndpoints' | 'endpoint' | 'createEndpoint' | 'deleteEndpoint' | 'log' | 'redrive'>;
  /** WEBHOOK_ALLOW_PRIVATE: loopback and private targets allowed. */
  allowPrivate: boolean;
  /** Queue what a redrive made pending now (the relay also polls). */
  kick: () => void;
}

const endpointId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use lowercase letters, digits, - and _');
const STATUSES = ['pending', 'queued', 'delivered', 'dead'] as const;

const endpoint = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()).nullable().describe('null: every event type'),
  source: z.enum(['file', 'api']),
  enabled: z.boolean(),
  description: z.string().nullable(),
  createdAt: z.string(),
});

const createBody = z.object({
  id: endpointId,
  url: text(2000).pipe(z.url({ protocol: /^https?$/ })),
  /** Left out: one is generated and returned once. */
  secret: text(200).pipe(z.string().min(16)).optional(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).optional(),
  description: text(500).optional(),
});

const delivery = z.object({
  id: z.number().int(),
  eventId: z.string(),
  eventType: z.string(),
  requestId: z.string().nullable(),
  endpointId: z.string(),
  status: z.enum(STATUSES),
  attempts: z.number().int(),
  redrives: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  occurredAt: z.string(),
});

const logQuery = z.object({
  endpoint: endpointId.optional(),
  status: z.enum(STATUSES).optional(),
  before: z.coerce.number().int().positive().optional().describe('Page: deliveries with a smaller id'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const redriveBody = z
  .object({ ids: z.array(z.number().int().positive()).min(1).max(1000).optional(), endpoint: endpointId.optional() })
  .refine((b) => !!b.ids !== !!b.endpoint, { message: 'give exactly one of ids or endpoint' });

const shown = (e: WebhookEndpointRow) => ({
  id: e.id,
  url: e.url,
  events: e.events,
  source: e.source as 'file' | 'api',
  enabled: e.enabled,
  description: e.description,
  createdAt: e.createdAt.toISOString(),
});

export function webhookRoutes(api: ZodApi, deps: WebhookRouteDeps): void {
  const { store } = deps;
  api.get('/api/admin/webhooks', {
    schema: { summary: 'Outbound webhook endpoints (from the organisation file and this API); secrets are not shown', response: { 200: z.object({ endpoints: z.array(endpoint) }), ...errorReplies } },
  }, async () => ({ endpoints: (await store.listEndpoints()).map(shown) }));

  api.post('/api/admin/webhooks', {
    schema: {
      summary: 'Register a webhook endpoint; its host must resolve to public addresses unless WEBHOOK_ALLOW_PRIVATE',
      body: createBody,
      response: { 201: z.object({ endpoint, secret: z.string().describe('Shown once: verify signatures with it') }), ...errorReplies },
    },
  }, async (req, reply) => {
    const b = req.body;
    try {
      await checkTarget(b.url, deps.allowPrivate);
    } catch (err) {
      if (err instanceof TargetRefused) return reply.code(422).send({ error: err.message, code: 'target_refused' });
      throw err;
    }
    const secret = b.secret ?? randomBytes(32).toString('base64url');
    if (!(await store.createEndpoint({ id: b.id, url: b.url, secret, events: b.events ?? null, description: b.description ?? null }))) {
      return reply.code(409).send({ error: `webhook ${b.id} exists` });
    }
    req.log.info({ webhook: b.id, url: b.url, events: b.events ?? 'all' }, 'webhook endpoint registered');
    return reply.code(201).send({ endpoint: shown((await store.endpoint(b.id))!), secret });
  });

  api.delete('/api/admin/webhooks/:id', {
    schema: { summary: 'Delete an endpoint registered through the API; its unfinished deliveries end as dead', params: z.object({ id: endpointId }), response: { 204: z.null(), ...errorReplies } },
  }, async (req, reply) => {
    const e = await store.endpoint(req.params.id);
    if (!e) return reply.code(404).send({ error: `no webhook ${req.params.id}` });
    if (e.source === 'file') return reply.code(409).send({ error: `webhook ${e.id} comes from the organisation file: remove it there` });
    await store.deleteEndpoint(e.id);
    req.log.info({ webhook: e.id }, 'webhook endpoint deleted');
    return reply.code(204).send(null);
  });

  api.get('/api/admin/webhooks/deliveries', {
    schema: { summary: 'The delivery log, newest first: status, attempts, last HTTP status and error', querystring: logQuery, response: { 200: z.object({ deliveries: z.array(delivery) }), ...errorReplies } },
  }, async (req, reply) => {
    const q = req.query;
    if (q.endpoint && !(await store.endpoint(q.endpoint))) {
      // A deleted endpoint's log stays readable: only refuse an id nothing was ever sent to.
      const any = await store.log({ endpointId: q.endpoint, limit: 1 });
      if (!any.length) return reply.code(404).send({ error: `no webhook ${q.endpoint}` });
    }
    const rows = await store.log({ limit: q.limit, ...(q.endpoint ? { endpointId: q.endpoint } : {}), ...(q.status ? { status: q.status } : {}), ...(q.before ? { beforeId: q.before } : {}) });
    return {
      deliveries: rows.map((r) => ({
        id: r.delivery.id,
        eventId: r.delivery.eventId,
        eventType: r.eventType,
        requestId: r.requestId,
        endpointId: r.delivery.endpointId,
        status: r.delivery.status as (typeof STATUSES)[number],
        attempts: r.delivery.attempts,
        redrives: r.delivery.redrives,
        lastStatus: r.delivery.lastStatus,
        lastError: r.delivery.lastError,
        lastAttemptAt: r.delivery.lastAttemptAt?.toISOString() ?? null,
        deliveredAt: r.delivery.deliveredAt?.toISOString() ?? null,
        occurredAt: r.occurredAt.toISOString(),
      })),
    };
  });

  api.post('/api/admin/webhooks/deliveries/redrive', {
    schema: {
      summary: 'Send dead deliveries again (by id, or all of one endpoint), with the same event id',
      body: redriveBody,
      response: { 200: z.object({ redriven: z.array(z.number().int()) }), ...errorReplies },
    },
  }, async (req, reply) => {
    const b = req.body;
    if (b.endpoint && !(await store.endpoint(b.endpoint))) return reply.code(404).send({ error: `no webhook ${b.endpoint}` });
    const redriven = await store.redrive(b.ids ? { ids: b.ids } : { endpointId: b.endpoint! });
    if (b.ids && !redriven.length) return reply.code(404).send({ error: 'no dead delivery with these ids' });
    deps.kick();
    return { redriven };
  });
}
