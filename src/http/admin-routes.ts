// The integration API (bearer ADMIN_TOKEN): submit requests and act on them on someone's
// behalf, with the same parsers, validation and engine as card forms and dialogs.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { toCoreAction } from '../bot/actions.js';
import { parseForm } from '../core/form-input.js';
import { payloadProblems } from '../core/fields/index.js';
import { orgDoctor } from '../core/org-doctor.js';
import { renderMessage, t, type Locale } from '../core/messages.js';
import type { MessageIntent, RefusalCode } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { DirectoryRuntime } from '../directory/runtime.js';
import type { Approvals } from '../services/approvals.js';
import type { Attachments } from '../services/attachments.js';
import { delegationRoutes, handoverRoutes } from './delegation-routes.js';
import type { Delegations } from '../services/delegations.js';
import type { Handover } from '../services/handover.js';
import { webhookRoutes, type WebhookRouteDeps } from './webhook-routes.js';
import type { RequestReads } from '../store/requests-repo.js';
import { errorReplies, idempotencyHeaders, jsonValue, refId, REQUEST_NUMBER, requestRef, requestState, text, zodScope } from './schemas.js';

export interface AdminDeps {
  token: string | undefined;
  approvals: Approvals;
  /** Resolves a request number (A-0006) to its id: the actions route takes either. */
  requests: Pick<RequestReads, 'byNumber'>;
  dir: Directory;
  locale: Locale;
  now: () => Date;
  /** The synced directory (absent without `directory.sync`): its state, and a full sync on demand. */
  directory?: Pick<DirectoryRuntime, 'status' | 'requestFullSync'>;
  /** Hand-over and delegation (issue 15); their routes are left out without them. */
  handover?: Pick<Handover, 'handOverAll'>;
  delegations?: Delegations;
  /** Outbound webhooks: endpoints, delivery log, redrive. */
  webhooks?: WebhookRouteDeps;
  /** Resolves the `files` of a submission (attachment ids) to their references. */
  attachments?: Pick<Attachments, 'refsFor'>;
}

const directoryStatus = z.object({
  platforms: z.array(
    z.looseObject({
      platform: z.string(),
      outcome: z.enum(['ok', 'failed', 'never']),
      users: z.number(),
      departments: z.number(),
      gaps: z.array(z.object({ what: z.string(), why: z.string() })),
      error: z.string().nullable(),
      finishedAt: z.string().nullable(),
    }),
  ),
  people: z.number(),
  departments: z.number(),
  issues: z.array(z.looseObject({ kind: z.enum(['conflict', 'unlinked', 'platform_taken', 'duplicate_key']), foundAt: z.string() })),
  issueCounts: z.record(z.string(), z.number()),
  fileProblems: z.array(z.string()),
});

const submitBody = z
  .object({
    applicantId: refId,
    type: text(64).pipe(z.string().min(1)),
    /** Values as people type them ("2k", "明天下午3点"), parsed like a card form… */
    form: z.record(text(64), text(4000)).optional(),
    /** …or the canonical payload (numbers, ISO dates, budget item arrays). */
    payload: z.record(text(64), jsonValue).optional(),
    urgent: z.boolean().optional(),
    /** Attachments fields: references from POST /api/files, by field. */
    files: z.record(text(64), z.array(z.uuid()).max(50)).optional(),
  })
  .refine((b) => !!b.form !== !!b.payload, { message: 'give exactly one of form or payload' });

const actionBody = z.object({
  actorId: refId,
  action: z.enum(['approve', 'reject', 'return', 'transfer', 'add_signer', 'withdraw', 'comment']),
  /** Optional: without it the action applies to the open step the actor approves. */
  stepId: refId.optional(),
  reason: text(2000).optional(),
  comment: text(2000).optional(),
  to: refId.optional(),
  signers: z.array(refId).max(50).optional(),
  position: z.enum(['before', 'after']).optional(),
});

const emptyPolicy = z.union([z.enum(['auto_approve', 'reject', 'refuse']), z.object({ assign: z.array(z.string()) })]);
/** The org doctor's report (src/core/org-doctor.ts). */
export const orgReport = z.object({
  emptySteps: z.array(
    z.object({
      requestType: z.string(),
      workflow: z.string(),
      stepId: z.string(),
      stepName: z.string(),
      dept: z.string(),
      deptName: z.string(),
      refs: z.array(z.string()),
      policy: emptyPolicy,
      outcome: z.enum(['auto_approve', 'reject', 'refuse', 'assigned']),
      assignedTo: z.array(z.string()).optional(),
    }),
  ),
  emptyRoles: z.array(z.string()),
  unknownPeople: z.array(z.object({ person: z.string(), where: z.string() })),
  deptsWithoutLead: z.array(z.string()),
  total: z.number().int(),
});

/** The API's bodies are small JSON documents; a slow client can hold at most this much. */
export const API_BODY_LIMIT = 256 * 1024;

export const STATUS_OF: Record<RefusalCode, 403 | 404 | 409 | 422> = {
  not_approver: 403,
  not_applicant: 403,
  unknown_person: 404,
  unknown_request: 404,
  already_decided: 409,
  step_closed: 409,
  wrong_state: 409,
  reason_required: 422,
  invalid: 422,
  no_approver: 422,
};

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether the request carries the admin bearer token (false when none is configured). */
export function hasAdminToken(req: FastifyRequest, token: string | undefined): boolean {
  const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  return !!token && !!given && sameSecret(given, token);
}

export function requireAdmin(token: string | undefined) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!token) return reply.code(503).send({ error: 'the admin API is disabled: set ADMIN_TOKEN' });
    if (!hasAdminToken(req, token)) {
      // The path only: a token put in the query string must not reach the logs.
      req.log.warn({ method: req.method, path: req.url.split('?')[0] }, 'admin API: missing or wrong token');
      return reply.code(401).send({ error: 'missing or wrong bearer token' });
    }
  };
}

export function adminRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { approvals, dir, locale } = deps;
  const text = (m: MessageIntent) => renderMessage(locale, m.key, m.params);

  void app.register(async (scope) => {
    scope.addHook('onRequest', requireAdmin(deps.token));

    const api = zodScope(scope);
    api.post('/api/requests', {
      bodyLimit: API_BODY_LIMIT,
      schema: {
        summary: 'Submit a request on behalf of a person',
        headers: idempotencyHeaders,
        body: submitBody,
        response: { 200: z.object({ request: requestState }), 201: z.object({ request: requestState }), ...errorReplies },
      },
    }, async (req, reply) => {
      const body = req.body;
      const def = dir.requestType(body.type);
      if (!def) return reply.code(422).send({ error: t(locale, 'refuse.unknown_type', { type: body.type }) });
      // Attachments fields by reference (uploads of POST /api/files by the applicant).
      const files: Record<string, unknown> = {};
      for (const [field, ids] of Object.entries(body.files ?? {})) {
        const refs = deps.attachments ? await deps.attachments.refsFor(body.applicantId, ids) : { ok: false as const, message: 'attachments are not available' };
        if (!refs.ok) return reply.code(422).send({ error: refs.message, fields: { [field]: refs.message } });
        files[field] = refs.refs;
      }
      let payload = { ...body.payload, ...files };
      // A canonical payload meets the same rules as typed values (planned times not in the past, an end after its start).
      if (body.payload) {
        const fields = payloadProblems(def, payload, { now: deps.now(), timezone: dir.timezone, locale });
        if (Object.keys(fields).length) return reply.code(422).send({ error: 'invalid payload', fields });
      }
      if (body.form) {
        const parsed = parseForm(def, body.form, { now: deps.now(), timezone: dir.timezone, locale });
        for (const field of Object.keys(files)) delete parsed.errors[field];
        if (Object.keys(parsed.errors).length) return reply.code(422).send({ error: 'invalid form', fields: parsed.errors });
        payload = { ...parsed.payload, ...files };
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

    api.post('/api/requests/:id/actions', {
      bodyLimit: API_BODY_LIMIT,
      schema: {
        summary: 'Act on a request on behalf of a person',
        params: z.object({ id: requestRef }),
        headers: idempotencyHeaders,
        body: actionBody,
        response: { 200: z.object({ request: requestState, feedback: z.string(), duplicate: z.boolean() }), ...errorReplies },
      },
    }, async (req, reply) => {
      const ref = req.params.id;
      const id = REQUEST_NUMBER.test(ref) ? (await deps.requests.byNumber(ref))?.id : ref;
      if (!id) return reply.code(404).send({ error: 'request not found' });
      const body = req.body;
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

    api.get('/api/admin/org/doctor', {
      schema: {
        summary: 'Where approvals cannot be routed: empty steps per department and what their policy does, empty roles, unknown people, departments without a lead',
        response: { 200: orgReport, ...errorReplies },
      },
    }, async () => orgDoctor(dir));

    const off = { error: 'the directory is not synced: set directory.sync in the organisation file and configure a platform' };
    api.get('/api/admin/directory', {
      schema: {
        summary: "The synced directory: each platform's last read, people, unresolved link issues",
        response: { 200: directoryStatus, ...errorReplies },
      },
    }, async (_req, reply) => {
      if (!deps.directory) return reply.code(404).send(off);
      return (await deps.directory.status()) as z.infer<typeof directoryStatus>;
    });

    api.post('/api/admin/directory/sync', {
      schema: {
        summary: 'Queue a full directory sync of every configured platform now',
        response: { 202: z.object({ queued: z.literal(true), jobId: z.string() }), ...errorReplies },
      },
    }, async (_req, reply) => {
      if (!deps.directory) return reply.code(404).send(off);
      return reply.code(202).send({ queued: true as const, jobId: await deps.directory.requestFullSync() });
    });
    if (deps.handover) handoverRoutes(api, { handover: deps.handover, dir, locale });
    if (deps.delegations) delegationRoutes(api, { delegations: deps.delegations, dir, locale, now: deps.now });
    if (deps.webhooks) webhookRoutes(api, deps.webhooks);
  });
}
