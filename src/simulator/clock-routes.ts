// The demo clock's routes (simulator-only instances): where each fast-forward would land, and the
// jump itself. After a jump the scheduler recovers as after a restart — job schedulers, every
// overdue timer fired (each once: firing claims its row), today's digest caught up — so what the
// new time makes due happens through its normal path.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { WorkCalendar } from '../core/calendar/index.js';
import { DEMO_TARGETS, DEMO_TIMER_KINDS, landingAt, nextDigestAt, nextPointAt, type DemoTarget } from '../core/demo-clock.js';
import { t, type Locale } from '../core/messages.js';
import type { RequestState } from '../core/model.js';
import type { ScheduleSettings } from '../core/reminders.js';
import { errorReplies, zodScope } from '../http/schemas.js';
import type { DemoClock } from './demo-clock.js';

export interface DemoClockRouteDeps {
  clock: DemoClock;
  calendar: WorkCalendar;
  /** The organisation's digest time (HH:MM), read at each call: the file may be reloaded. */
  digestTime: () => string;
  /** The scheduler's settings (the chains' points are computed as the scheduler computes them). */
  settings: ScheduleSettings;
  /** Every request that has a timer chain. */
  scheduledRequests: () => Promise<RequestState[]>;
  /** The scheduler's recovery: fire what is due at the new time, catch up today's digest. */
  recover: () => Promise<void>;
  locale: Locale;
}

const targets = z.object({ reminder: z.string().nullable(), deadline: z.string().nullable(), event_end: z.string().nullable(), digest: z.string() });
const clockState = z.object({ now: z.string(), offsetMs: z.number(), targets });

export function demoClockRoutes(http: FastifyInstance, deps: DemoClockRouteDeps): void {
  const { clock } = deps;

  async function targetOf(to: DemoTarget, now: Date, states?: RequestState[]): Promise<Date | undefined> {
    if (to === 'digest') return nextDigestAt(deps.calendar, now, deps.digestTime());
    return nextPointAt(states ?? (await deps.scheduledRequests()), deps.settings, DEMO_TIMER_KINDS[to], now);
  }

  async function state() {
    const now = clock.now();
    const states = await deps.scheduledRequests();
    const [reminder, deadline, eventEnd, digest] = await Promise.all(DEMO_TARGETS.map((x) => targetOf(x, now, states)));
    return {
      now: now.toISOString(),
      offsetMs: clock.offsetMs(),
      targets: { reminder: reminder?.toISOString() ?? null, deadline: deadline?.toISOString() ?? null, event_end: eventEnd?.toISOString() ?? null, digest: digest!.toISOString() },
    };
  }

  void http.register(async (scope) => {
    const app = zodScope(scope);
    app.get('/api/sim/clock', { schema: { summary: "The demo clock: the app's time and where each fast-forward would land", response: { 200: clockState } } }, state);
    app.post('/api/sim/clock', {
      schema: {
        summary: "Fast-forward the app's clock (simulator only) to the next reminder, deadline, event end or daily digest",
        body: z.object({ to: z.enum(DEMO_TARGETS) }),
        response: { 200: clockState, ...errorReplies },
      },
    }, async (req, reply) => {
      const target = await targetOf(req.body.to, clock.now());
      if (!target) return reply.code(409).send({ error: t(deps.locale, 'sim.clock.nothing', { target: t(deps.locale, `sim.clock.to.${req.body.to}`) }), code: 'nothing_pending' });
      await clock.advanceTo(landingAt(target));
      req.log.info({ to: req.body.to, target: target.toISOString(), offsetMs: clock.offsetMs() }, 'demo clock moved forward');
      await deps.recover();
      return state();
    });
  });
}
