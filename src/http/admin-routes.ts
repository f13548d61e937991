// The integration API (bearer ADMIN_TOKEN): submit requests and act on them on someone's
// behalf, with the same parsers, validation and engine as card forms and dialogs.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { toCoreAction } from '../bot/actions.js';
import { parseForm } from '../core/form-input.js';
import { t, type Locale } from '../core/messages.js';
import type { RefusalCode } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Approvals } from '../services/approvals.js';
import type { Database } from '../store/db.js';
import { departmentOverview } from '../store/requests-repo.js';

export interface AdminDeps {
  token: string | undefined;
  approvals: Approvals;
  database: Database;
  dir: Directory;
  locale: Locale;
  now: () => Date;
}

const submitBody = z
  .object({
    applicantId: z.string().min(1),
    type: z.string().min(1),
    /** Values as people type them ("2k", "明天下午3点"), parsed like a card form… */
    form: z.record(z.string(), z.string()).optional(),
    /** …or the canonical payload (numbers, ISO dates, budget item arrays). */
    payload: z.record(z.string(), z.unknown()).optional(),
    urgent: z.boolean().optional(),
  })
  .refine((b) => !!b.form !== !!b.payload, { message: 'give exactly one of form or payload' });

const actionBody = z.object({
  actorId: z.string().min(1),
  action: z.enum(['approve', 'reject', 'return', 'transfer', 'add_signer', 'withdraw', 'comment']),
  stepId: z.string().optional(),
  reason: z.string().optional(),
  comment: z.string().optional(),
  to: z.string().optional(),
  signers: z.array(z.string()).optional(),
  position: z.enum(['before', 'after']).optional(),
});

const STATUS_OF: Record<RefusalCode, number> = {
  not_approver: 403,
  not_applicant: 403,
  unknown_person: 404,
  unknown_request: 404,
  already_decided: 409,
  step_closed: 409,
  wrong_state: 409,
  reason_required: 422,
  invalid: 422,
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function requireAdmin(token: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!token) return reply.code(503).send({ error: 'the admin API is disabled: set ADMIN_TOKEN' });
    const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!given || !sameSecret(given, token)) {
      req.log.warn({ url: req.url }, 'admin API: missing or wrong token');
      return reply.code(401).send({ error: 'missing or wrong bearer token' });
    }
  };
}

export function adminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { approvals, dir, locale } = deps;
  const text = (m: { key: string; params: Record<string, string | number> }) => t(locale, m.key, m.params);

  void app.register(async (scope) => {
    scope.addHook('onRequest', requireAdmin(deps.token));

    scope.post('/api/requests', async (req, reply) => {
      const body = submitBody.parse(req.body);
      const def = dir.requestType(body.type);
      if (!def) return reply.code(422).send({ error: t(locale, 'refuse.unknown_type', { type: body.type }) });
      let payload = body.payload ?? {};
      if (body.form) {
        const parsed = parseForm(def, body.form, { now: deps.now(), timezone: dir.timezone, locale });
        if (Object.keys(parsed.errors).length) return reply.code(422).send({ error: 'invalid form', fields: parsed.errors });
        payload = parsed.payload;
      }
      const key = req.headers['idempotency-key'];
      const result = await approvals.submit({
        applicantId: body.applicantId,
        type: body.type,
        payload,
        platform: 'api',
        ...(typeof key === 'string' && key ? { idempotencyKey: `api:${key}` } : {}),
        ...(body.urgent !== undefined ? { urgent: body.urgent } : {}),
      });
      if (!result.ok) return reply.code(STATUS_OF[result.code]).send({ error: text(result.message), code: result.code });
      return reply.code(result.duplicate ? 200 : 201).send({ request: result.state });
    });

    scope.post('/api/requests/:id/actions', async (req, reply) => {
      const { id } = req.params as { id: string };
      const body = actionBody.parse(req.body);
      const form: Record<string, string> = {
        ...(body.reason ? { reason: body.reason } : {}),
        ...(body.comment ? { comment: body.comment } : {}),
        ...(body.to ? { to: body.to } : {}),
        ...(body.signers ? { signers: body.signers.join(',') } : {}),
        ...(body.position ? { position: body.position } : {}),
      };
      const action = toCoreAction({ a: body.action, r: id, ...(body.stepId ? { s: body.stepId } : {}) }, form);
      if (!action) return reply.code(422).send({ error: 'unknown action' });
      const key = req.headers['idempotency-key'];
      const result = await approvals.act(id, action, { personId: body.actorId, platform: 'api' }, typeof key === 'string' && key ? `api:${key}` : undefined);
      if (!result.ok) return reply.code(STATUS_OF[result.code]).send({ error: text(result.message), code: result.code });
      return { request: result.state, feedback: text(result.feedback), duplicate: result.duplicate ?? false };
    });

    scope.get('/api/departments/:id/overview', async (req, reply) => {
      const { id } = req.params as { id: string };
      if (!dir.departments.has(id)) return reply.code(404).send({ error: `unknown department "${id}"` });
      return departmentOverview(deps.database.db, dir.managedDepartmentsUnder(id), deps.now());
    });
  });
}
