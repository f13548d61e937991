// The composition root: builds every service explicitly, in dependency order, and owns the
// ordered shutdown. Nothing else constructs infrastructure or reads configuration.
import { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { createLogger } from './logger.js';
import { createCommands } from './bot/commands/index.js';
import { createDialogs, createDialogStore, dialogPhase, DIALOG_IDLE_MS } from './bot/dialog/index.js';
import { inboundProcessor, recordGivenUp } from './bot/inbound-worker.js';
import { createIngest } from './bot/ingest.js';
import { createRouter } from './bot/router.js';
import type { Channel, ChannelDeps } from './channels/channel.js';
import { createDingtalkChannel } from './channels/dingtalk/index.js';
import { createFeishuChannel } from './channels/feishu/index.js';
import { createWecomChannel } from './channels/wecom/index.js';
import type { Config } from './config.js';
import { t } from './core/messages.js';
import { calendarNotes, createCalendar, provisionalHorizon, provisionalWarning } from './core/calendar/index.js';
import { doctorNotes, doctorSummary, orgDoctor } from './core/org-doctor.js';
import { cardContext, createDeliverer } from './delivery/deliver.js';
import { centreRelay, createCentres } from './delivery/centres.js';
import { createOutboxRelay } from './delivery/outbox-relay.js';
import { adminRoutes } from './http/admin-routes.js';
import { attachmentRoutes } from './http/attachment-routes.js';
import { archiveRoutes } from './http/archive-routes.js';
import { createArchive } from './archive/archive.js';
import { createPdfRenderer, findChromium } from './archive/pdf.js';
import { apiRoutes } from './http/api-routes.js';
import { createMetrics, metricsRoute } from './http/metrics.js';
import { queueDashboard } from './http/queue-dashboard.js';
import { healthRoutes } from './http/health-routes.js';
import { registerOpenApi, trackRoutes } from './http/openapi.js';
import { consoleRoutes } from './http/console-routes.js';
import { consoleDashboardRoutes } from './http/console-dashboard-routes.js';
import { sessionKey } from './http/console-session.js';
import { serveConsolePage } from './http/console-page.js';
import { consoleReads } from './store/console-repo.js';
import { dashboardReads } from './store/dashboard-repo.js';
import { createHttpServer } from './http/server.js';
import type { PeopleChange } from './core/directory/diff.js';
import { createDirectoryReaders } from './directory/readers.js';
import { createDirectoryRuntime } from './directory/runtime.js';
import type { Directory } from './org/directory.js';
import { calendarOptions, loadOrg } from './org/load.js';
import type { Platform } from './org/schema.js';
import { QUEUE_NAMES, type InboundJob } from './queue/jobs.js';
import { createQueues, deliveryQueueName } from './queue/queues.js';
import { postedCards } from './queue/posted-cards.js';
import { openRedis } from './queue/redis.js';
import { createStateWatch } from './queue/state-watch.js';
import { WORKER_LOCKS } from './queue/worker-options.js';
import { createApprovals } from './services/approvals.js';
import { createAttachments } from './services/attachments.js';
import { postgresFileStore, pruneIncompleteFiles } from './store/files-repo.js';
import { sharedSecret } from './queue/shared-secret.js';
import type { HealthProvider } from './scheduler/digest.js';
import { createDelegations } from './services/delegations.js';
import { createHandover } from './services/handover.js';
import { createScheduler } from './scheduler/index.js';
import { createSimulator, serveSimulatorPage } from './simulator/index.js';
import { demoClockRoutes } from './simulator/clock-routes.js';
import { createDemoClock } from './simulator/demo-clock.js';
import { openDatabase } from './store/db.js';
import { recordInboundFailure } from './store/inbound-failures-repo.js';
import { deliveryStore } from './store/delivery-store.js';
import { createDirectoryRepo } from './store/directory-repo.js';
import { delegationStore, pendingWithDelegated } from './store/delegations-repo.js';
import { handoverStore } from './store/handover-store.js';
import { centreStore } from './store/centre-repo.js';
import { outboxStore, pruneDeliveries } from './store/outbox-repo.js';
import { syncOrganisation } from './store/org-sync.js';
import { createSchedulerStore } from './store/scheduler-store.js';
import { commandReads } from './store/command-reads.js';
import { requestReads } from './store/requests-repo.js';
import { responseCodeStore } from './store/response-codes-repo.js';
import { webhookStore } from './store/webhooks-repo.js';
import { webhookHook } from './webhooks/hook.js';
import { createWebhookRelay } from './webhooks/relay.js';
import { checkTarget } from './webhooks/target.js';
import { webhookProcessor } from './webhooks/worker.js';

export interface AppOptions {
  config: Config;
  log?: Logger;
  now?: () => Date;
  /** Tests may pass a prepared organisation instead of ORG_FILE. */
  dir?: Directory;
  /** Tests that warp `now`: real milliseconds until an instant of that clock (timers' BullMQ delays). */
  scheduleDelay?: (at: Date) => number;
  /** How often the worker looks for a Redis that lost its state (default 2 s). */
  stateWatchMs?: number;
  /** Observes people who left or moved in the synced directory (after the hand-over of their tasks). */
  onPeopleChanged?: (change: PeopleChange) => Promise<void> | void;
  /** Safety-net reload of the synced directory (default 5 min). */
  directoryReloadMs?: number;
}

export async function buildApp(opts: AppOptions) {
  const { config } = opts;
  const log = opts.log ?? createLogger(config);
  // A simulator-only instance runs on the demo clock (fast-forward from the page); never next to a real platform.
  const demoClock = !opts.now && config.simulatorEnabled && !config.feishuEnabled && !config.dingtalkEnabled && !config.wecomEnabled ? createDemoClock() : undefined;
  const now = opts.now ?? demoClock?.now ?? (() => new Date());
  const dir = opts.dir ?? loadOrg(config.ORG_FILE);
  const role = config.PROCESS_ROLE;
  const web = role === 'all' || role === 'web';
  const worker = role === 'all' || role === 'worker';

  const cleanups: Array<[string, () => Promise<unknown>]> = [];
  try {
    const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
    cleanups.push(['database', () => database.close()]);
    await database.migrate();

    const redisHandle = await openRedis({ url: config.REDIS_URL, dataDir: config.DATA_DIR, log });
    cleanups.push(['redis', () => redisHandle.close()]);
    const redis = redisHandle.connect();
    const prefix = config.REDIS_PREFIX;
    if (demoClock) {
      await demoClock.start(redis, prefix);
      cleanups.push(['demo clock', async () => demoClock.stop()]);
    }

    const org = dir.org.organisation;
    const calendar = createCalendar(calendarOptions(org));
    // A year without an official arrangement is computed by law (no 调休): say so at start-up.
    const provisional = provisionalWarning(calendar, now());
    if (provisional) log.warn({ years: provisionalHorizon(calendar, now()) }, provisional);

    const enabled = new Set<Platform>();
    if (config.simulatorEnabled) enabled.add('local');
    if (config.feishuEnabled) enabled.add('feishu');
    if (config.dingtalkEnabled) enabled.add('dingtalk');
    if (config.wecomEnabled) enabled.add('wecom');

    const queues = createQueues(redis, prefix, [...enabled], { attempts: config.WEBHOOK_ATTEMPTS, backoffMs: config.WEBHOOK_BACKOFF_MS });
    const { inbound, deliveries } = queues;
    // With `directory.sync`, people and departments come from the platforms: load what the store
    // holds before anything reads the organisation, then keep it current (directory/runtime.ts).
    const readers = dir.file.directory.sync ? createDirectoryReaders({ config, redis, prefix, log }) : [];
    const directory = readers.length
      ? createDirectoryRuntime({
          dir,
          repo: createDirectoryRepo(database.db),
          readers,
          queue: queues.directory,
          redis,
          subscriber: () => redisHandle.connect(),
          prefix,
          log: log.child({ component: 'directory' }),
          mirror: (d) => syncOrganisation(database.db, d),
          // Leavers' and movers' open tasks go per `organisation.leavers` (services/handover.ts).
          onPeopleChanged: async (change) => {
            await handover.onPeopleChanged(change);
            await opts.onPeopleChanged?.(change);
          },
          ...(opts.directoryReloadMs ? { reloadEveryMs: opts.directoryReloadMs } : {}),
          now,
        })
      : undefined;
    if (dir.file.directory.sync && !directory) log.warn('directory.sync is on but no platform is configured: the organisation is the file alone');
    await directory?.load();
    await syncOrganisation(database.db, dir);
    const centresRelay = centreRelay(config);
    const relay = createOutboxRelay({ outbox: outboxStore(database.db), dir, queues: deliveries, enabled, log, now, ...(centresRelay ? { centres: centresRelay } : {}) });
    // Outbound webhooks: the file's endpoints mirrored (a target refused now is refused at each delivery too).
    const webhooks = webhookStore(database.db);
    const fileHooks = dir.file.webhooks ?? [];
    await webhooks.syncFileEndpoints(fileHooks.map((w) => ({ id: w.id, url: w.url, secret: w.secret, events: w.events ?? null, description: w.description ?? null })));
    for (const w of fileHooks) {
      checkTarget(w.url, config.WEBHOOK_ALLOW_PRIVATE).catch((err: unknown) => log.warn({ webhook: w.id, err: (err as Error).message }, 'webhook endpoint refused: its deliveries will fail'));
    }
    const webhookRelay = createWebhookRelay({ store: webhooks, queue: queues.webhooks, log });
    // Periodically: re-drive outbox rows whose deliveries have not finished 10 minutes on (Redis
    // lost them unnoticed), and forget old delivery records.
    const housekeeping = async () => {
      await relay.redrive({ olderThanMs: 10 * 60_000 });
      await webhookRelay.redrive();
      await webhooks.prune(new Date());
      await pruneDeliveries(database.db, new Date());
      await pruneIncompleteFiles(database.db, new Date());
      // Delegations that started or ended since: the open tasks' cards go to whoever acts now.
      await delegations.announce();
      // Open tasks of people no longer in the organisation (a hand-over cut short by a crash, a
      // person removed from the file): handed over now, once per intent.
      await handover.sweepLeavers();
      // Instances the approval centres do not hold as we told them: synced again.
      await centres?.reconcile().catch((err: unknown) => log.warn({ err }, 'approval centre reconcile failed'));
    };
    // Steps nobody can approve, empty roles, unknown people, departments without a lead: one
    // line at start-up, the admin API, and the admins' digest (a provider of its health section).
    const doctor = orgDoctor(dir);
    if (doctor.total) log.warn(doctorSummary(doctor), `org doctor: ${doctor.total} findings (GET /api/admin/org/doctor)`);
    const health: HealthProvider[] = [async () => doctorNotes(orgDoctor(dir), dir), ...(directory ? [() => directory.healthNotes()] : [])];
    // Deadlines, reminders, escalation, event prompts, digest: its hook writes timers in every transition's transaction.
    const schedulerStore = createSchedulerStore(database.db);
    const scheduler = createScheduler({ health, store: schedulerStore, queue: queues.schedule, prefix, dir, calendar, locale: config.LOCALE, log, now, ...(opts.scheduleDelay ? { delayMs: opts.scheduleDelay } : {}), mirrorHorizonMs: config.SCHEDULE_HORIZON_HOURS * 3_600_000, approvals: () => approvals, onOutbox: () => relay.kick(), onReconcile: housekeeping });
    // Attachments: files in Postgres; a submission takes its files in its own transaction.
    const fileLinkSecret = config.FILE_LINK_SECRET;
    const attachments = createAttachments({ db: database.db, files: postgresFileStore(database.db), dir, locale: config.LOCALE, now, secret: fileLinkSecret ? async () => fileLinkSecret : sharedSecret(redis, `${prefix}:file-link-secret`) });
    const approvals = createApprovals({ database, dir, now, dueAt: (spec, from) => calendar.dueAt(spec, from), onTransition: [scheduler.onTransition, attachments.onTransition, webhookHook(dir)], onCommitted: () => { relay.kick(); webhookRelay.kick(); scheduler.flush(); } });
    // Hand-over (移交, leavers and movers) and delegation (委托); both act through approvals' transitions.
    const delegations = createDelegations({ store: delegationStore(database.db), dir, calendar, now, onCommitted: () => relay.kick() });
    const handover = createHandover({ approvals, store: handoverStore(database.db), dir, log, delegations, onCommitted: () => relay.kick() });
    const metrics = createMetrics();
    const ingest = createIngest({ redis, prefix, inbound, approvals, dir, locale: config.LOCALE, log, metrics });

    const channelDeps: ChannelDeps = { config, log, redis, redisPrefix: prefix, responseCodes: responseCodeStore(database.db), dir, ingest, precheck: ingest.precheck, ...(directory ? { directory: directory.intake } : {}) };
    const channels = new Map<Platform, Channel>();
    const dialogStore = createDialogStore(redis, prefix, { idleMs: DIALOG_IDLE_MS });
    if (enabled.has('local')) {
      const dialogOf = async (personId: string) => dialogPhase(await dialogStore.get('local', personId), dir, now(), DIALOG_IDLE_MS);
      // A file sent in the simulator goes to the files field the person's dialog is asking.
      const receiveFile = async (personId: string, name: string, bytes: AsyncIterable<Uint8Array>) => {
        const s = await dialogStore.get('local', personId);
        const asked = s?.phase === 'ask' && s.field ? attachments.fieldOf(s.type, s.field) : undefined;
        if (!s || !asked || 'error' in asked) return { ok: false as const, status: 409 as const, message: t(config.LOCALE, 'field.attachments.not_now') };
        return attachments.receive({ type: s.type, field: asked.spec.key, uploader: personId, platform: 'local', name, bytes });
      };
      channels.set('local', createSimulator({ db: database.db, redis, prefix, dir, ingest, subscriber: () => redisHandle.connect(), locale: config.LOCALE, demoClock: !!demoClock, dialogOf, receiveFile, fileLink: async (id: string, personId: string) => attachments.linkPath(await attachments.link(id, personId)) }));
    }
    if (enabled.has('feishu')) channels.set('feishu', createFeishuChannel(channelDeps));
    if (enabled.has('dingtalk')) channels.set('dingtalk', createDingtalkChannel(channelDeps));
    if (enabled.has('wecom')) channels.set('wecom', createWecomChannel(channelDeps));

    // Feishu's approval centre and DingTalk's process centre, when configured (delivery/centres.ts).
    const centres = centresRelay
      ? createCentres({ config, dir, channels, store: centreStore(database.db), redis, prefix, queues: deliveries, ingest, log })
      : undefined;

    const ctx = cardContext(dir, config.LOCALE, config.PUBLIC_URL);
    // A person's pending approvals include the tasks they act on for their principals (委托).
    const requests = { ...requestReads(database.db), pendingFor: (personId: string) => pendingWithDelegated(database.db, personId, now()) };
    let shuttingDown = false;
    const http = createHttpServer(log, { requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS, maxConnections: config.HTTP_MAX_CONNECTIONS });
    // Before any route: the OpenAPI document collects routes as they are added.
    const routes = trackRoutes(http);
    await registerOpenApi(http, { title: 'Qianpi API', version: APP_VERSION });
    healthRoutes(http, {
      checks: { database: () => database.ping(), redis: () => redis.ping() },
      channels: () => channels.values(),
      isShuttingDown: () => shuttingDown,
      notes: async () => ({ ...calendarNotes(calendar, now()), ...(directory ? { directory: await directory.readiness() } : {}) }),
      adminToken: config.ADMIN_TOKEN,
    });
    apiRoutes(http, { requests, cardContext: ctx, dir, now, open: config.simulatorEnabled, adminToken: config.ADMIN_TOKEN });
    adminRoutes(http, { token: config.ADMIN_TOKEN, approvals, attachments, requests, dir, locale: config.LOCALE, now, handover, delegations, ...(directory ? { directory } : {}), webhooks: { store: webhooks, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, kick: () => webhookRelay.kick() } });
    attachmentRoutes(http, { attachments, token: config.ADMIN_TOKEN, open: config.simulatorEnabled, locale: config.LOCALE });
    // The printable archive: a page, and a PDF where a Chromium is installed (started on first use).
    const chromiumPath = findChromium(config.CHROMIUM_PATH);
    if (!chromiumPath) log.warn({ CHROMIUM_PATH: config.CHROMIUM_PATH ?? null }, 'no Chromium found: archive PDFs answer 503 (the printable page still works)');
    const pdfRenderer = chromiumPath ? createPdfRenderer(chromiumPath, log) : undefined;
    http.addHook('onClose', async () => pdfRenderer?.close());
    archiveRoutes(http, { archive: createArchive({ requests, attachments, dir, locale: config.LOCALE, now, renderer: pdfRenderer }), token: config.ADMIN_TOKEN, open: config.simulatorEnabled, locale: config.LOCALE });
    // The web console (/console and /api/console/*): sign-in, search, detail and actions, exports.
    const consoleSession = { key: sessionKey(config.SESSION_SECRET, config.ADMIN_TOKEN, log), secure: config.PUBLIC_URL?.startsWith('https:') ?? false };
    consoleRoutes(http, {
      dir, locale: config.LOCALE, now, approvals, reads: consoleReads(database.db), requests, cardContext: ctx, simulator: enabled.has('local'), adminToken: config.ADMIN_TOKEN,
      session: consoleSession, redis, prefix,
    });
    // Its dashboard charts, directory and health pages (/api/console/charts, /org, /health).
    consoleDashboardRoutes(http, { dir, now, reads: dashboardReads(database.db), calendar, channels: () => channels.values(), ...(directory ? { directory } : {}), session: consoleSession, redis, prefix });
    await serveConsolePage(http, { staticAssets: !enabled.has('local') });
    metrics.watchQueues(() => queues.all());
    // Open only on a simulator-only instance without a token (a laptop); protected otherwise.
    metricsRoute(http, metrics, { open: !config.ADMIN_TOKEN && enabled.size === 1 && enabled.has('local'), token: config.ADMIN_TOKEN });
    await queueDashboard(http, queues.all(), config.ADMIN_TOKEN);
    if (web) for (const c of channels.values()) c.registerRoutes?.(http);
    if (web) centres?.registerRoutes(http);
    if (enabled.has('local')) await serveSimulatorPage(http, log);
    if (demoClock) {
      demoClockRoutes(http, { clock: demoClock, calendar, digestTime: () => dir.org.organisation.digest.time, settings: scheduler.settings, scheduledRequests: schedulerStore.scheduledRequests, recover: () => scheduler.recover(), locale: config.LOCALE });
    }

    const workers: Worker[] = [];
    let outboxTimer: NodeJS.Timeout | undefined;
    // Redis lost its state while we run: rebuild the schedulers and the timers' mirror from
    // Postgres, and queue again the deliveries that had not finished.
    const stateWatch = worker
      ? createStateWatch({
          redis,
          prefix,
          log,
          ...(opts.stateWatchMs ? { everyMs: opts.stateWatchMs } : {}),
          intact: () => scheduler.schedulersPresent(),
          recover: async () => {
            await Promise.all([scheduler.recover(), relay.redrive(), webhookRelay.redrive()]);
            relay.kick();
            webhookRelay.kick();
          },
        })
      : undefined;
    if (worker) {
      const dialogs = createDialogs({ store: dialogStore, requests, dir, approvals, locale: config.LOCALE, now });
      const commands = createCommands({
        reads: commandReads(database.db, now), dir, locale: config.LOCALE, approvals, dialogs, now,
        digestFor: async (personId) => (await scheduler.digestFor(personId)).text,
        nudge: scheduler.nudge,
        handover,
        delegations,
      });
      const route = createRouter({ approvals, dir, queues: deliveries, commands, locale: config.LOCALE, now, log });
      const deliver = createDeliverer({ store: deliveryStore(database.db), dir, channels, queues: deliveries, posted: postedCards(redis, prefix), locale: config.LOCALE, ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}), log, metrics, ...(centres ? { centres: centres.syncer } : {}) });
      const workerOpts = { connection: redisHandle.connect(), prefix, autorun: false, ...WORKER_LOCKS };
      workers.push(new Worker<InboundJob>(QUEUE_NAMES.inbound, inboundProcessor({ route, inbound, log, giveUp: recordGivenUp({ record: (f) => recordInboundFailure(database.db, f), dir, onRecorded: () => relay.kick() }) }), { ...workerOpts, concurrency: 16 }));
      workers.push(new Worker(deliveryQueueName(), deliver, { ...workerOpts, connection: redisHandle.connect(), concurrency: 8 }));
      for (const p of deliveries.perPlatform.keys()) {
        workers.push(new Worker(deliveryQueueName(p), deliver, { ...workerOpts, connection: redisHandle.connect(), concurrency: PLATFORM_DELIVERY_CONCURRENCY, ...(RATE_LIMITS[p] ? { limiter: RATE_LIMITS[p] } : {}) }));
        const bulk = BULK_DELIVERY[p] ?? BULK_DELIVERY.default;
        workers.push(new Worker(deliveryQueueName(p, true), deliver, { ...workerOpts, connection: redisHandle.connect(), concurrency: bulk.concurrency, ...(bulk.limiter ? { limiter: bulk.limiter } : {}) }));
      }
      workers.push(new Worker(QUEUE_NAMES.webhooks, webhookProcessor({ store: webhooks, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE, timeoutMs: config.WEBHOOK_TIMEOUT_MS, log }), { ...workerOpts, connection: redisHandle.connect(), concurrency: 8 }));
      for (const w of workers) w.on('error', (err) => log.error({ err, queue: w.name }, 'worker error'));
      workers.push(scheduler.createWorker(redisHandle.connect()));
      if (directory) workers.push(directory.createWorker(redisHandle.connect()));
    }

    const app = {
      config,
      log,
      dir,
      database,
      redis,
      http,
      /** Every HTTP route registered (method, url): the OpenAPI coverage test reads it. */
      routes,
      approvals,
      handover,
      delegations,
      ingest,
      relay,
      webhookRelay,
      scheduler,
      channels,
      queues,
      calendar,
      workers,
      stateWatch,
      /** The approval centres (undefined when none is configured). */
      centres,
      /** The synced directory's runtime (undefined without `directory.sync` and a platform). */
      directory,
      async start(): Promise<void> {
        if (worker) {
          for (const w of workers) void w.run();
          await centres?.setup();
          await scheduler.start();
          await stateWatch?.start();
          outboxTimer = setInterval(() => {
            relay.kick();
            webhookRelay.kick();
          }, config.OUTBOX_POLL_MS);
          relay.kick();
          webhookRelay.kick();
          webhookRelay.redrive().catch((err: unknown) => log.error({ err }, 'webhook re-drive failed'));
          // Deliveries that had not finished when the last process stopped (Redis may have lost them meanwhile).
          relay.redrive().catch((err: unknown) => log.error({ err }, 'outbox re-drive failed'));
        }
        // Before the HTTP server listens: the first sync (bounded) so the organisation is known.
        await directory?.start({ worker });
        if (web) {
          for (const c of channels.values()) await c.start?.();
          await http.listen({ port: config.PORT, host: config.HOST });
        }
      },
      /** Ordered shutdown: stop intake, drain workers, close channels, Redis, database. */
      async stop(): Promise<void> {
        if (shuttingDown) return;
        shuttingDown = true;
        const step = async (name: string, fn: () => Promise<unknown>) => {
          try {
            await fn();
          } catch (err) {
            log.warn({ err, step: name }, 'shutdown step failed');
          }
        };
        await step('http', () => http.close());
        if (outboxTimer) clearInterval(outboxTimer);
        if (stateWatch) await step('state watch', () => stateWatch.stop());
        if (directory) await step('directory', () => directory.stop());
        await step('workers', () => Promise.all(workers.map((w) => w.close())));
        for (const c of channels.values()) if (c.stop) await step(`channel:${c.platform}`, () => c.stop!());
        await step('queues', async () => {
          await scheduler.close(); // pushes its last timers to the schedule queue
          await queues.close();
        });
        for (const [name, fn] of cleanups.reverse()) await step(name, fn);
      },
    };
    return app;
  } catch (err) {
    for (const [, fn] of cleanups.reverse()) await fn().catch(() => {});
    throw err;
  }
}

/**
 * Jobs in flight per platform delivery queue: most of a job is waiting (the database, the
 * platform's answer, the pacer's slot), and the pacers hold calls to the documented limits, so
 * enough of them run side by side that the limits, not the worker, set the pace.
 */
const PLATFORM_DELIVERY_CONCURRENCY = 32;

/**
 * App-level limits of the delivery queues. Feishu and DingTalk pace every API call against their
 * documented limits in the channel (per message, chat and API: src/channels/rate-windows.ts), so
 * their queues take jobs as fast as the pacers let calls through.
 */
const RATE_LIMITS: Partial<Record<Platform, { max: number; duration: number }>> = {
  // WeCom's limits are per member (paced in the channel) and 10,000 calls/min per corp.
  wecom: { max: 150, duration: 1000 },
};

/**
 * The bulk queues' workers (the digest's fan-out). Where the channel paces calls in Redis (Feishu,
 * DingTalk), a few workers keep the platform's rate busy while booking only a few slots ahead, so
 * a reminder or a card update waits behind at most those few (well under a second). WeCom paces
 * its corp-wide limit (10,000 calls/min per API) here: 162 per second is 9,882 in any minute,
 * 97 % of it; the workers are enough to fill it at 30–80 ms per call.
 */
interface BulkWorker {
  concurrency: number;
  limiter?: { max: number; duration: number };
}
const BULK_DELIVERY: Partial<Record<Platform, BulkWorker>> & { default: BulkWorker } = {
  default: { concurrency: 4 },
  wecom: { concurrency: 24, limiter: { max: 162, duration: 1000 } },
};

/** The API's version in the OpenAPI document. */
const APP_VERSION = '0.1.0';

export type App = Awaited<ReturnType<typeof buildApp>>;
