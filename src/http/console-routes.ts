// The web console's API (/api/console/*): sign-in, the request list with filters and search,
// a request's detail and the card's actions, CSV and Excel exports, department counts, the
// directory. Every read is limited to what the viewer may see (`readScope` / `involved` in
// src/core/followers.ts, applied in SQL by src/store/console-repo.ts); actions go through the
// approval service like a card click.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { approvalCard, type CardContext } from '../../cards/approval.js';
import { toCoreAction } from '../bot/actions.js';
import { involved, readScope, type ReadScope } from '../core/followers.js';
import { tAny } from '../core/i18n/index.js';
import { renderMessage, type Locale } from '../core/messages.js';
import type { RequestState } from '../core/model.js';
import type { Directory } from '../org/directory.js';
import type { Approvals } from '../services/approvals.js';
import type { ConsoleReads, Cursor, RequestFilter } from '../store/console-repo.js';
import type { RequestReads } from '../store/requests-repo.js';
import { sameSecret, STATUS_OF } from './admin-routes.js';
import { csrfToken, registerSession, requireViewer, signIn, signOut, SIGN_IN_LIMIT, viewerOf, type Viewer } from './console-session.js';
import { DECISION_COLUMNS, exportRows, REIMBURSEMENT_COLUMNS, REQUEST_COLUMNS, type ExportContext, type ExportFormat } from './console-export.js';
import { anyObject, errorReplies, refId, REQUEST_NUMBER, requestRef, requestState, text, zodScope } from './schemas.js';

export interface ConsoleDeps {
  dir: Directory;
  locale: Locale;
  now: () => Date;
  approvals: Pick<Approvals, 'act' | 'previewMany'>;
  reads: ConsoleReads;
  requests: Pick<RequestReads, 'load' | 'byNumber' | 'timeline'>;
  cardContext: CardContext;
  /** Simulator mode: anyone may sign in as any person (as on the simulator's page). */
  simulator: boolean;
  adminToken: string | undefined;
  session: { key: Buffer; secure: boolean };
  redis: Redis;
  prefix: string;
}

const tags = ['console'];
const PAGE_MAX = 200;

const listQuery = z.object({
  status: text(200).optional().describe('Comma-separated statuses'),
  type: refId.optional(),
  dept: refId.optional().describe('A department, with every department below it'),
  applicant: refId.optional(),
  from: z.iso.date().optional().describe('Created on or after this day (the organisation\'s time zone is not applied: UTC day)'),
  to: z.iso.date().optional().describe('Created before the end of this day'),
  overdue: z.enum(['1', 'true', '0', 'false']).optional(),
  q: text(200).optional().describe('Text in the title, number or form content'),
  cursor: text(200).optional().describe('The `next` of the previous page'),
  limit: z.coerce.number().int().min(1).max(PAGE_MAX).optional(),
});
type ListQuery = z.infer<typeof listQuery>;

const personOut = z.object({ id: z.string(), name: z.string(), dept: z.string(), deptName: z.string() });
const sessionReply = z.object({
  signedIn: z.boolean(),
  person: personOut.nullable(),
  admin: z.boolean(),
  csrf: z.string(),
  locale: z.string(),
  organisation: z.string(),
  methods: z.object({ simulator: z.boolean(), admin: z.boolean() }),
  /** Simulator mode only: the people one may sign in as. */
  people: z.array(personOut),
  /** Departments the viewer may filter by (all for admin and finance; the ones they manage otherwise). */
  departments: z.array(z.object({ id: z.string(), name: z.string() })),
  types: z.array(z.object({ id: z.string(), name: z.string() })),
});
const rowOut = z.looseObject({ id: z.string(), number: z.string(), title: z.string(), status: z.string(), overdue: z.boolean() });
const actionBody = z.object({
  action: z.enum(['approve', 'reject', 'return', 'transfer', 'comment']),
  stepId: refId.optional(),
  reason: text(2000).optional(),
  comment: text(2000).optional(),
  to: refId.optional(),
});

const decodeCursor = (c: string | undefined): Cursor | undefined => {
  if (!c) return undefined;
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as Cursor;
    if (typeof v.createdAt === 'string' && !Number.isNaN(Date.parse(v.createdAt)) && typeof v.id === 'string' && /^[0-9a-f-]{36}$/i.test(v.id)) return v;
  } catch {
    /* falls through */
  }
  throw Object.assign(new Error('cursor: not one this API gave'), { statusCode: 400 });
};
const encodeCursor = (c: Cursor | null) => (c ? Buffer.from(JSON.stringify(c)).toString('base64url') : null);

export function consoleRoutes(http: FastifyInstance, deps: ConsoleDeps): void {
  const { dir, now } = deps;
  const personInfo = (id: string) => {
    const p = dir.person(id);
    return p ? { id: p.id, name: p.name, dept: p.dept, deptName: dir.departments.get(p.dept)?.name ?? p.dept } : null;
  };
  const scopeOf = (v: Viewer): ReadScope => (v.admin ? { all: true, personId: v.personId ?? '', departments: [], types: [] } : readScope(v.personId!, dir));
  const mayRead = (v: Viewer, s: RequestState) => v.admin || involved(s, v.personId!, dir);

  function filterOf(q: ListQuery): RequestFilter {
    const day = (d: string, plus = 0) => new Date(Date.parse(`${d}T00:00:00Z`) + plus);
    if (q.dept && !dir.departments.has(q.dept)) throw Object.assign(new Error(`unknown department "${q.dept}"`), { statusCode: 404 });
    return {
      status: q.status?.split(',').map((s) => s.trim()).filter(Boolean),
      type: q.type,
      departments: q.dept ? dir.managedDepartmentsUnder(q.dept) : undefined,
      applicant: q.applicant,
      from: q.from ? day(q.from) : undefined,
      to: q.to ? day(q.to, 86_400_000) : undefined,
      overdue: q.overdue === '1' || q.overdue === 'true',
      q: q.q?.trim() || undefined,
    };
  }

  const row = (r: Awaited<ReturnType<ConsoleReads['list']>>['items'][number]) => ({
    id: r.id,
    number: r.number,
    type: r.type,
    typeName: dir.requestType(r.type)?.name ?? r.type,
    title: r.title,
    status: r.status,
    statusText: tAny(deps.locale, `status.${r.status}`),
    applicantId: r.applicantId,
    applicantName: dir.personName(r.applicantId),
    deptId: r.deptId,
    deptName: dir.departments.get(r.deptId)?.name ?? r.deptId,
    urgent: r.urgent,
    createdAt: r.createdAt.toISOString(),
    stepName: r.stepName,
    waitingOn: (r.waitingOn ?? []).map((id) => dir.personName(id)),
    dueAt: r.dueAt ? r.dueAt.toISOString() : null,
    overdue: !!r.dueAt && r.dueAt < now() && (r.status === 'pending' || r.status === 'consulting'),
  });

  async function load(ref: string): Promise<RequestState | undefined> {
    return REQUEST_NUMBER.test(ref) ? deps.requests.byNumber(ref) : deps.requests.load(ref);
  }

  void http.register(async (plain) => {
    await registerSession(plain, { ...deps.session, redis: deps.redis, prefix: deps.prefix });
    const app = zodScope(plain);

    app.get('/api/console/session', { schema: { summary: 'Who is signed in, the CSRF token, the sign-in methods', tags, response: { 200: sessionReply } } }, async (req) => {
      const v = viewerOf(req);
      const person = v?.personId ? personInfo(v.personId) : null;
      const scope = v ? scopeOf(v) : undefined;
      const depts = scope ? (scope.all ? [...dir.departments.keys()] : scope.departments) : [];
      return {
        signedIn: !!v,
        person,
        admin: v?.admin ?? false,
        csrf: csrfToken(req),
        locale: deps.locale,
        organisation: dir.org.organisation.name,
        methods: { simulator: deps.simulator, admin: !!deps.adminToken },
        people: deps.simulator ? dir.org.people.map((p) => personInfo(p.id)!).filter(Boolean) : [],
        departments: depts.map((id) => ({ id, name: dir.departments.get(id)?.name ?? id })),
        types: dir.org.requestTypes.map((t) => ({ id: t.id, name: t.name })),
      };
    });

    const limited = { rateLimit: SIGN_IN_LIMIT };
    app.post('/api/console/sign-in/simulator', {
      config: limited,
      schema: { summary: 'Simulator mode: sign in as a person of the organisation', tags, body: z.object({ personId: refId }), response: { 200: z.object({ csrf: z.string() }), ...errorReplies } },
    }, async (req, reply) => {
      if (!deps.simulator) return reply.code(404).send({ error: 'simulator sign-in is off (a platform is configured)' });
      if (!dir.person(req.body.personId)) return reply.code(404).send({ error: `unknown person "${req.body.personId}"` });
      return { csrf: signIn(req, { personId: req.body.personId }) };
    });

    app.post('/api/console/sign-in/admin', {
      config: limited,
      schema: { summary: 'The local admin: sign in with ADMIN_TOKEN (reads everything, acts as nobody)', tags, body: z.object({ token: text(512) }), response: { 200: z.object({ csrf: z.string() }), ...errorReplies } },
    }, async (req, reply) => {
      if (!deps.adminToken) return reply.code(503).send({ error: 'admin sign-in is off: set ADMIN_TOKEN' });
      if (!sameSecret(req.body.token, deps.adminToken)) {
        req.log.warn('console: wrong admin token');
        return reply.code(401).send({ error: 'wrong admin token' });
      }
      return { csrf: signIn(req, { admin: true }) };
    });

    app.post('/api/console/sign-out', { schema: { summary: 'Sign out', tags, response: { 200: z.object({ ok: z.literal(true) }), ...errorReplies } } }, async (req) => {
      signOut(req);
      return { ok: true as const };
    });

    app.get('/api/console/requests', {
      schema: { summary: 'Requests the viewer may see, filtered and searched, newest first (keyset paging)', tags, querystring: listQuery, response: { 200: z.object({ items: z.array(rowOut), next: z.string().nullable() }), ...errorReplies } },
    }, async (req, reply) => {
      const v = requireViewer(req, reply);
      if (!v) return reply;
      const page = await deps.reads.list(scopeOf(v), filterOf(req.query), now(), { limit: req.query.limit ?? 50, after: decodeCursor(req.query.cursor) });
      return { items: page.items.map(row), next: encodeCursor(page.next) };
    });

    /** The signed-in viewer and the request they asked for, or the 401/404/403 already sent. */
    async function readable(req: FastifyRequest, reply: FastifyReply, id: string) {
      const v = requireViewer(req, reply);
      if (!v) return undefined;
      const s = await load(id);
      if (!s) return void reply.code(404).send({ error: 'request not found' });
      if (!mayRead(v, s)) return void reply.code(403).send({ error: 'you may not see this request', code: 'forbidden' });
      return { v, s };
    }

    /**
     * The card's actions this person may take now, as the core judges them (delegations included):
     * a dry run of approving (the open step's decisions share its rule) and of commenting.
     */
    async function actionsFor(requestId: string, personId: string): Promise<string[]> {
      const actor = { personId, platform: 'api' as const };
      const [decide, comment] = await deps.approvals.previewMany([
        { requestId, action: { type: 'approve', stepId: '' }, actor },
        { requestId, action: { type: 'comment', text: '·' }, actor },
      ]);
      return [...(decide?.ok ? (['approve', 'reject', 'return', 'transfer'] as const) : []), ...(comment?.ok ? (['comment'] as const) : [])];
    }

    app.get('/api/console/requests/:id', {
      schema: {
        summary: 'A request as the viewer may see it: its card, timeline, the deadline and who it waits on, and what the viewer may do',
        tags,
        params: z.object({ id: requestRef }),
        response: { 200: z.object({ request: requestState, card: anyObject, timeline: z.array(anyObject), people: z.record(z.string(), z.string()), canAct: z.array(z.string()) }), ...errorReplies },
      },
    }, async (req, reply) => {
      const found = await readable(req, reply, req.params.id);
      if (!found) return reply;
      const { v, s } = found;
      const ids = new Set([s.applicantId, ...s.steps.flatMap((st) => [...st.approvers, ...st.decisions.map((d) => d.personId)])]);
      const canAct = v.personId ? await actionsFor(s.id, v.personId) : [];
      return {
        request: s,
        card: approvalCard(s, deps.cardContext),
        timeline: await deps.requests.timeline(s.id),
        people: Object.fromEntries([...ids].map((id) => [id, dir.personName(id)])),
        canAct,
      };
    });

    app.post('/api/console/requests/:id/actions', {
      schema: {
        summary: "The card's actions from the console (approve, reject with a reason, send back, transfer, comment), by the signed-in person, through the same checks",
        tags,
        params: z.object({ id: requestRef }),
        body: actionBody,
        response: { 200: z.object({ request: requestState, feedback: z.string() }), ...errorReplies },
      },
    }, async (req, reply) => {
      const found = await readable(req, reply, req.params.id);
      if (!found) return reply;
      const { v, s } = found;
      if (!v.personId) return reply.code(403).send({ error: 'the local admin acts as nobody: sign in as a person', code: 'not_a_person' });
      const b = req.body;
      const form: Record<string, string> = { ...(b.reason ? { reason: b.reason } : {}), ...(b.comment ? { comment: b.comment } : {}), ...(b.to ? { to: b.to } : {}) };
      const action = toCoreAction({ a: b.action, r: s.id, ...(b.stepId ? { s: b.stepId } : {}) }, form);
      if (!action) return reply.code(422).send({ error: 'unknown action' });
      const result = await deps.approvals.act(s.id, action, { personId: v.personId, platform: 'api' });
      if (!result.ok) return reply.code(STATUS_OF[result.code]).send({ error: renderMessage(deps.locale, result.message.key, result.message.params), code: result.code });
      return { request: result.state, feedback: renderMessage(deps.locale, result.feedback.key, result.feedback.params) };
    });

    // Three exports of one filter, each a column list through the same streaming writer.
    const exportCtx = (): ExportContext => ({ dir, locale: deps.locale, timezone: dir.timezone, now: now() });
    const as = (format: ExportFormat) => (format === 'csv' ? 'CSV (UTF-8 with BOM)' : 'an Excel workbook (streamed)');
    for (const format of ['csv', 'xlsx'] as const) {
      app.get(`/api/console/export.${format}`, {
        schema: { summary: `The filtered request list as ${as(format)}`, tags, querystring: listQuery.omit({ cursor: true, limit: true }), response: { ...errorReplies } },
      }, async (req, reply) => {
        const v = requireViewer(req, reply);
        if (!v) return reply;
        return exportRows(reply, format, 'requests', REQUEST_COLUMNS, deps.reads.each(scopeOf(v), filterOf(req.query), now()), exportCtx());
      });
      app.get(`/api/console/export/decisions.${format}`, {
        schema: { summary: `Every decision on the filtered requests (step, decider, action, comment, time, step hours) as ${as(format)}`, tags, querystring: listQuery.omit({ cursor: true, limit: true }), response: { ...errorReplies } },
      }, async (req, reply) => {
        const v = requireViewer(req, reply);
        if (!v) return reply;
        return exportRows(reply, format, 'decisions', DECISION_COLUMNS, deps.reads.eachDecision(scopeOf(v), filterOf(req.query), now()), exportCtx());
      });
      app.get(`/api/console/export/reimbursements.${format}`, {
        schema: { summary: `The reimbursements of the filter (the type filter is ignored) with their event, approved budget, claim and overrun as ${as(format)}`, tags, querystring: listQuery.omit({ cursor: true, limit: true }), response: { ...errorReplies } },
      }, async (req, reply) => {
        const v = requireViewer(req, reply);
        if (!v) return reply;
        return exportRows(reply, format, 'reimbursements', REIMBURSEMENT_COLUMNS, deps.reads.eachReimbursement(scopeOf(v), filterOf(req.query), now()), exportCtx());
      });
    }

    app.get('/api/console/dashboard', {
      schema: { summary: 'Counts by status and type, and overdue, for the filter (a department with those below it)', tags, querystring: listQuery.omit({ cursor: true, limit: true }), response: { 200: z.object({ byStatus: z.record(z.string(), z.number()), byType: z.record(z.string(), z.number()), overdue: z.number() }), ...errorReplies } },
    }, async (req, reply) => {
      const v = requireViewer(req, reply);
      if (!v) return reply;
      return deps.reads.counts(scopeOf(v), filterOf(req.query), now());
    });

    app.get('/api/console/directory', {
      schema: { summary: 'Departments and people (names, departments, leads)', tags, response: { 200: z.object({ departments: z.array(anyObject), people: z.array(personOut) }), ...errorReplies } },
    }, async (req, reply) => {
      const v = requireViewer(req, reply);
      if (!v) return reply;
      return {
        departments: dir.org.departments.map((d) => ({ id: d.id, name: d.name, parent: d.parent ?? null, lead: d.lead ? dir.personName(d.lead) : null })),
        people: dir.org.people.map((p) => personInfo(p.id)!),
      };
    });
  });
}

