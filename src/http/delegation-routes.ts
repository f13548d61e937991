// The integration API's hand-over and delegation routes (inside the admin scope: bearer
// ADMIN_TOKEN), with declared schemas like every route.
import { z } from 'zod';
import { endOfDay, readPeriod } from '../core/delegation.js';
import { t, type Locale } from '../core/messages.js';
import type { Directory } from '../org/directory.js';
import type { Delegations } from '../services/delegations.js';
import type { Handover } from '../services/handover.js';
import { errorReplies, refId, text, type zodScope } from './schemas.js';

type ZodApi = ReturnType<typeof zodScope>;

const handoverBody = z.object({ from: refId, to: refId, by: refId.optional().describe('The admin who hands over (for the audit)') });

const delegation = z.object({
  id: z.string(),
  principal: z.string(),
  delegate: z.string(),
  startsAt: z.string(),
  endsAt: z.string(),
  mode: z.enum(['delegate_only', 'both']),
  createdBy: z.string(),
  cancelledAt: z.string().optional(),
});

const isoInstant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO date-time');
const createBody = z
  .object({
    principal: refId,
    delegate: refId,
    /** Default now. */
    startsAt: isoInstant.optional(),
    /** The end: an instant, the last day (YYYY-MM-DD, to its end in the organisation's zone), or a period as typed (到 12月20日, 3个工作日). */
    endsAt: isoInstant.optional(),
    lastDay: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
    period: text(100).optional(),
    mode: z.enum(['delegate_only', 'both']).optional(),
    createdBy: refId.optional(),
  })
  .refine((b) => [b.endsAt, b.lastDay, b.period].filter((x) => x !== undefined).length === 1, { message: 'give exactly one of endsAt, lastDay or period' });

export function handoverRoutes(api: ZodApi, deps: { handover: Pick<Handover, 'handOverAll'>; dir: Directory; locale: Locale }): void {
  api.post('/api/admin/handover', {
    schema: {
      summary: 'Hand over every open approval task of one person to another',
      body: handoverBody,
      response: { 200: z.object({ tasks: z.number().int(), requests: z.number().int() }), ...errorReplies },
    },
  }, async (req, reply) => {
    const { from, to, by } = req.body;
    if (from === to) return reply.code(422).send({ error: t(deps.locale, 'handover.same_person') });
    // The one handing over may have left the directory already; the one taking over may not.
    if (!deps.dir.person(to)) return reply.code(404).send({ error: t(deps.locale, 'delegation.refuse.unknown_person', { name: to }) });
    return deps.handover.handOverAll(from, to, 'admin', by ? { personId: by, platform: 'api' } : null);
  });
}

export function delegationRoutes(api: ZodApi, deps: { delegations: Delegations; dir: Directory; locale: Locale; now: () => Date }): void {
  const { delegations, dir, locale } = deps;
  api.post('/api/delegations', {
    schema: { summary: 'Create a delegation', body: createBody, response: { 201: z.object({ delegation }), ...errorReplies } },
  }, async (req, reply) => {
    const b = req.body;
    const now = deps.now();
    const startsAt = b.startsAt ? new Date(b.startsAt) : now;
    let endsAt: Date;
    if (b.endsAt) endsAt = new Date(b.endsAt);
    else if (b.lastDay) endsAt = endOfDay(delegations.calendar, b.lastDay);
    else {
      const p = readPeriod(b.period!, { now: startsAt, timezone: dir.timezone, calendar: delegations.calendar });
      if (!p.ok) return reply.code(422).send({ error: t(locale, 'delegation.bad_period', { text: p.text, example: t(locale, 'delegation.usage') }) });
      endsAt = p.endsAt;
    }
    const r = await delegations.create({ principal: b.principal, delegate: b.delegate, startsAt, endsAt, createdBy: b.createdBy ?? b.principal, ...(b.mode ? { mode: b.mode } : {}) });
    if (!r.ok) return reply.code(r.code === 'unknown_person' ? 404 : r.code === 'self' || r.code === 'empty_period' ? 422 : 409).send({ error: t(locale, r.message.key, r.message.params), code: r.code });
    return reply.code(201).send({ delegation: r.delegation });
  });

  api.get('/api/delegations', {
    schema: { summary: "A person's current and upcoming delegations (given or held)", querystring: z.object({ person: refId }), response: { 200: z.object({ delegations: z.array(delegation) }), ...errorReplies } },
  }, async (req) => ({ delegations: await delegations.live(req.query.person) }));

  api.delete('/api/delegations/:id', {
    schema: { summary: 'Cancel a delegation', params: z.object({ id: z.string().uuid() }), response: { 200: z.object({ cancelled: z.boolean() }), ...errorReplies } },
  }, async (req, reply) => {
    const d = await delegations.byId(req.params.id);
    if (!d) return reply.code(404).send({ error: t(locale, 'delegation.refuse.not_found') });
    return { cancelled: await delegations.cancel(d.id) };
  });
}
