// The console's department dashboard (/api/console/charts: the numbers behind its ECharts
// charts, scoped like the request list) and its directory and health pages (/api/console/org,
// /api/console/health: people, departments and their links on each platform, the directory
// sync, the org doctor, the calendar's years, the channels), for admins and department managers.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Channel } from '../channels/channel.js';
import { provisionalHorizon, type WorkCalendar } from '../core/calendar/index.js';
import { readScope, seesAll, type ReadScope } from '../core/followers.js';
import { orgDoctor } from '../core/org-doctor.js';
import type { DirectoryRuntime } from '../directory/runtime.js';
import type { Directory } from '../org/directory.js';
import { REMOTE_PLATFORMS } from '../org/schema.js';
import { eventTypes } from '../scheduler/digest.js';
import type { DashboardReads } from '../store/dashboard-repo.js';
import { orgReport } from './admin-routes.js';
import { registerSession, requireViewer, type Viewer } from './console-session.js';
import { anyObject, errorReplies, refId, zodScope } from './schemas.js';

export interface ConsoleDashboardDeps {
  dir: Directory;
  now: () => Date;
  reads: DashboardReads;
  calendar: WorkCalendar;
  /** Read at every call, like /readyz. */
  channels: () => Iterable<Channel>;
  /** The synced directory, when `directory.sync` is on. */
  directory?: Pick<DirectoryRuntime, 'status'>;
  session: { key: Buffer; secure: boolean };
  redis: Redis;
  prefix: string;
}

const tags = ['console'];

const chartsQuery = z.object({
  dept: refId.optional().describe('A department, with every department below it'),
  type: refId.optional(),
  from: z.iso.date().optional().describe('Created on or after this day (UTC)'),
  to: z.iso.date().optional().describe('Created before the end of this day (UTC)'),
  period: z.enum(['week', 'month']).default('week').describe('Volume per week (from Monday) or per month, in the organisation\'s time zone'),
});

const named = { dept: z.string(), deptName: z.string() };
const chartsReply = z.object({
  period: z.enum(['week', 'month']),
  volume: z.array(z.object({ period: z.string(), type: z.string(), typeName: z.string(), n: z.number().int() })),
  leadTimes: z.array(z.object({ type: z.string(), typeName: z.string(), stepId: z.string(), stepName: z.string(), n: z.number().int(), p50: z.number(), p90: z.number(), max: z.number() })).describe('Hours from a step\'s activation to its last decision, decided steps only'),
  overdue: z.array(z.object({ ...named, n: z.number().int() })),
  eventsByCategory: z.array(z.object({ category: z.string(), status: z.string(), n: z.number().int() })),
  spend: z.array(z.object({ ...named, events: z.number().int(), budget: z.number(), spent: z.number() })).describe('Events past approval: approved budget, and approved reimbursements against them (yuan)'),
  scores: z.array(z.object({ ...named, n: z.number().int(), average: z.number() })).describe('Approved scorings of the department\'s events: count and average total (qualitative + quantitative)'),
  summary: z.object({ requests: z.number().int(), overdue: z.number().int(), p50Hours: z.number().nullable(), budget: z.number(), spent: z.number(), averageScore: z.number().nullable() }),
});

const platformLinks = z.record(z.string(), z.string()).describe('The person\'s id on each platform');
const orgReply = z.object({
  departments: z.array(z.object({ id: z.string(), name: z.string(), parent: z.string().nullable(), lead: z.string().nullable(), leadName: z.string().nullable(), people: z.number().int() })),
  people: z.array(z.object({ id: z.string(), name: z.string(), title: z.string().nullable(), dept: z.string(), deptName: z.string(), roles: z.array(z.string()), links: platformLinks })),
});

const healthReply = z.object({
  directory: anyObject.nullable().describe('The synced directory\'s state (as GET /api/admin/directory), null without directory.sync'),
  doctor: orgReport,
  calendar: z.object({ years: z.array(z.object({ year: z.number().int(), source: z.enum(['package', 'official', 'provisional']) })), provisional: z.array(z.number().int()) }),
  channels: z.array(z.object({ platform: z.string(), ok: z.boolean(), detail: z.string().optional() })),
});

export function consoleDashboardRoutes(http: FastifyInstance, deps: ConsoleDashboardDeps): void {
  const { dir, now } = deps;
  const deptName = (id: string) => dir.departments.get(id)?.name ?? id;
  const typeName = (id: string) => dir.requestType(id)?.name ?? id;
  const scopeOf = (v: Viewer): ReadScope => (v.admin ? { all: true, personId: v.personId ?? '', departments: [], types: [] } : readScope(v.personId!, dir));
  /** Admins (the local admin, the admin and finance roles) see the whole organisation; leads and managers their departments. */
  const orgScope = (v: Viewer): { all: boolean; departments: string[]; details: boolean } => {
    if (v.admin) return { all: true, departments: [], details: true };
    const me = v.personId!;
    return { all: seesAll(me, dir), departments: dir.managedDepartments(me), details: dir.roleMembers('admin').includes(me) };
  };

  void http.register(async (plain) => {
    await registerSession(plain, { ...deps.session, redis: deps.redis, prefix: deps.prefix });
    const app = zodScope(plain);

    app.get('/api/console/charts', {
      schema: { summary: "The department dashboard's numbers (volume, lead time per step, overdue, events by category, spend against budget, scores), within what the viewer may see", tags, querystring: chartsQuery, response: { 200: chartsReply, ...errorReplies } },
    }, async (req, reply) => {
      const v = requireViewer(req, reply);
      if (!v) return reply;
      const q = req.query;
      if (q.dept && !dir.departments.has(q.dept)) return reply.code(404).send({ error: `unknown department "${q.dept}"` });
      const day = (d: string, plus = 0) => new Date(Date.parse(`${d}T00:00:00Z`) + plus);
      const rows = await deps.reads.rows({
        scope: scopeOf(v),
        filter: { departments: q.dept ? dir.managedDepartmentsUnder(q.dept) : undefined, type: q.type, from: q.from ? day(q.from) : undefined, to: q.to ? day(q.to, 86_400_000) : undefined },
        now: now(),
        timezone: dir.timezone,
        period: q.period,
        eventTypes: eventTypes({ dir }),
      });
      const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;
      const decided = rows.leadTimes.reduce((n, r) => n + r.n, 0);
      const scored = rows.scores.reduce((n, r) => n + r.n, 0);
      return {
        period: q.period,
        volume: rows.volume.map((r) => ({ ...r, typeName: typeName(r.type) })),
        leadTimes: rows.leadTimes.map((r) => ({ ...r, typeName: typeName(r.type) })),
        overdue: rows.overdue.map((r) => ({ ...r, deptName: deptName(r.dept) })),
        eventsByCategory: rows.eventsByCategory,
        spend: rows.spend.map((r) => ({ ...r, deptName: deptName(r.dept) })),
        scores: rows.scores.map((r) => ({ ...r, deptName: deptName(r.dept) })),
        summary: {
          requests: rows.volume.reduce((n, r) => n + r.n, 0),
          overdue: rows.overdue.reduce((n, r) => n + r.n, 0),
          // The steps' medians weighted by how many each decided: a summary, not a true overall median.
          p50Hours: decided ? sum(rows.leadTimes.map((r) => (r.p50 * r.n) / decided)) : null,
          budget: sum(rows.spend.map((r) => r.budget)),
          spent: sum(rows.spend.map((r) => r.spent)),
          averageScore: scored ? sum(rows.scores.map((r) => (r.average * r.n) / scored)) : null,
        },
      };
    });

    app.get('/api/console/org', {
      schema: { summary: 'The directory page: departments and people with their ids on each platform (admins: everyone; leads and managers: their departments)', tags, response: { 200: orgReply, ...errorReplies } },
    }, async (req, reply) => {
      const v = requireViewer(req, reply);
      if (!v) return reply;
      const s = orgScope(v);
      if (!s.all && !s.departments.length) return reply.code(403).send({ error: 'the directory is for admins and department managers', code: 'forbidden' });
      const shown = (dept: string) => s.all || s.departments.includes(dept);
      const people = dir.org.people.filter((p) => shown(p.dept));
      const rolesOf = (id: string) => Object.entries(dir.org.roles).filter(([, members]) => members.includes(id)).map(([role]) => role);
      return {
        departments: dir.org.departments.filter((d) => shown(d.id)).map((d) => ({ id: d.id, name: d.name, parent: d.parent ?? null, lead: d.lead ?? null, leadName: d.lead ? dir.personName(d.lead) : null, people: people.filter((p) => p.dept === d.id).length })),
        people: people.map((p) => ({
          id: p.id,
          name: p.name,
          title: p.title ?? null,
          dept: p.dept,
          deptName: deptName(p.dept),
          roles: rolesOf(p.id),
          links: Object.fromEntries(REMOTE_PLATFORMS.flatMap((pl) => (p.ids[pl] ? [[pl, p.ids[pl]]] : []))),
        })),
      };
    });

    app.get('/api/console/health', {
      schema: { summary: 'The health page: directory sync, org doctor findings, calendar years (official or provisional), channel status (error details for admins only)', tags, response: { 200: healthReply, ...errorReplies } },
    }, async (req, reply) => {
      const v = requireViewer(req, reply);
      if (!v) return reply;
      const s = orgScope(v);
      if (!s.all && !s.departments.length) return reply.code(403).send({ error: 'system health is for admins and department managers', code: 'forbidden' });
      const at = now();
      const year = Number(deps.calendar.localDate(at).slice(0, 4));
      const channels = await Promise.all(
        [...deps.channels()].map(async (c) => {
          const h = await Promise.resolve(c.health()).catch((e: Error) => ({ ok: false, detail: e.message }));
          return { platform: c.platform, ok: h.ok, ...(s.details && h.detail ? { detail: h.detail } : {}) };
        }),
      );
      return {
        directory: deps.directory ? await deps.directory.status() : null,
        doctor: orgDoctor(dir),
        calendar: { years: [year - 1, year, year + 1].map((y) => ({ year: y, source: deps.calendar.yearFingerprint(y).source })), provisional: provisionalHorizon(deps.calendar, at) },
        channels,
      };
    });
  });
}
