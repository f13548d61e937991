// The database schema for the whole product. Postgres is the source of truth: Redis holds
// only queues, dedupe keys and dialog sessions, all rebuildable from these tables.
import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  bigserial,
  boolean,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Platform } from '../org/schema.js';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();

// ---- Organisation (synced from the organisation file at boot; the file stays authoritative)
export const departments = pgTable('departments', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  parentId: text('parent_id'),
  leadId: text('lead_id'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const people = pgTable('people', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  deptId: text('dept_id').notNull(),
  title: text('title'),
  active: boolean('active').notNull().default(true),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const personIdentities = pgTable(
  'person_identities',
  {
    platform: text('platform').notNull(),
    externalId: text('external_id').notNull(),
    personId: text('person_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.externalId] }), index('person_identities_person').on(t.personId)],
);

export const rooms = pgTable('rooms', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

export const roomBindings = pgTable(
  'room_bindings',
  {
    roomId: text('room_id').notNull(),
    platform: text('platform').notNull(),
    externalId: text('external_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.externalId] }), index('room_bindings_room').on(t.roomId)],
);

// ---- The directory as each platform reports it (issue 15): one row per platform identity and
// department, the person each identity is linked to, each read's outcome, and the link issues
// of the latest pass. The organisation file overlays this; `people` stays the effective list.
export const directoryUsers = pgTable(
  'directory_users',
  {
    platform: text('platform').notNull(),
    userId: text('user_id').notNull(),
    personId: text('person_id').notNull(),
    /** False while the identity is in a link issue: its link is not kept for the next pass. */
    settled: boolean('settled').notNull().default(true),
    name: text('name').notNull(),
    status: text('status').notNull(),
    title: text('title'),
    departmentIds: text('department_ids').array().notNull(),
    primaryDepartmentId: text('primary_department_id'),
    managerId: text('manager_id'),
    employeeNo: text('employee_no'),
    mobile: text('mobile'),
    email: text('email'),
    altIds: jsonb('alt_ids').notNull().$type<Record<string, string>>().default({}),
    syncedAt: ts('synced_at').notNull().defaultNow(),
    leftAt: ts('left_at'),
  },
  (t) => [primaryKey({ columns: [t.platform, t.userId] }), index('directory_users_person').on(t.personId)],
);

export const directoryDepartments = pgTable(
  'directory_departments',
  {
    platform: text('platform').notNull(),
    deptId: text('dept_id').notNull(),
    parentId: text('parent_id'),
    name: text('name').notNull(),
    leaderIds: text('leader_ids').array().notNull(),
    syncedAt: ts('synced_at').notNull().defaultNow(),
    removedAt: ts('removed_at'),
  },
  (t) => [primaryKey({ columns: [t.platform, t.deptId] })],
);

export const directoryReads = pgTable(
  'directory_reads',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    platform: text('platform').notNull(),
    startedAt: ts('started_at').notNull(),
    finishedAt: ts('finished_at').notNull().defaultNow(),
    /** 'ok' or 'failed'. */
    outcome: text('outcome').notNull(),
    users: integer('users').notNull().default(0),
    departments: integer('departments').notNull().default(0),
    gaps: jsonb('gaps').notNull().$type<{ what: string; why: string }[]>().default([]),
    error: text('error'),
  },
  (t) => [index('directory_reads_platform').on(t.platform, t.id)],
);

export const directoryIssues = pgTable('directory_issues', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  kind: text('kind').notNull(),
  platform: text('platform'),
  userId: text('user_id'),
  personId: text('person_id'),
  detail: jsonb('detail').notNull().$type<Record<string, unknown>>(),
  foundAt: ts('found_at').notNull().defaultNow(),
});

// ---- Requests and their approval chain
export const requests = pgTable(
  'requests',
  {
    id: uuid('id').primaryKey(),
    number: text('number').notNull(),
    type: text('type').notNull(),
    title: text('title').notNull(),
    applicantId: text('applicant_id').notNull(),
    deptId: text('dept_id').notNull(),
    status: text('status').notNull(),
    payload: jsonb('payload').notNull().$type<Record<string, unknown>>(),
    round: integer('round').notNull().default(1),
    currentStep: integer('current_step'),
    version: integer('version').notNull().default(0),
    urgent: boolean('urgent').notNull().default(false),
    parentId: uuid('parent_id'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('requests_number').on(t.number),
    index('requests_applicant').on(t.applicantId, t.createdAt),
    index('requests_status').on(t.status),
    index('requests_dept').on(t.deptId, t.status),
    index('requests_parent').on(t.parentId),
  ],
);

export const approvalSteps = pgTable(
  'approval_steps',
  {
    requestId: uuid('request_id').notNull(),
    round: integer('round').notNull(),
    position: integer('position').notNull(),
    stepId: text('step_id').notNull(),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    mode: text('mode').notNull(),
    approvers: jsonb('approvers').notNull().$type<string[]>(),
    status: text('status').notNull(),
    due: text('due'),
    dueAt: ts('due_at'),
    activatedAt: ts('activated_at'),
    note: text('note'),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.round, t.stepId] }),
    // "My pending approvals" scans active steps by approver.
    index('approval_steps_active').on(t.status).where(sql`${t.status} = 'active'`),
  ],
);

export const decisions = pgTable(
  'decisions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: uuid('request_id').notNull(),
    round: integer('round').notNull(),
    stepId: text('step_id').notNull(),
    personId: text('person_id').notNull(),
    decision: text('decision').notNull(),
    comment: text('comment'),
    platform: text('platform').notNull(),
    idempotencyKey: text('idempotency_key'),
    /** Who decided for `person_id` under a delegation (委托); null when the approver decided. */
    delegateId: text('delegate_id'),
    createdAt: createdAt(),
  },
  (t) => [
    // The database itself refuses a second decision by one approver on one step.
    uniqueIndex('decisions_once').on(t.requestId, t.round, t.stepId, t.personId),
    uniqueIndex('decisions_idempotency').on(t.idempotencyKey),
  ],
);

/** Append-only: a trigger (migration 0001) refuses UPDATE and DELETE. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull().defaultNow(),
    requestId: uuid('request_id'),
    actorId: text('actor_id'),
    platform: text('platform'),
    action: text('action').notNull(),
    stepId: text('step_id'),
    detail: jsonb('detail').notNull().$type<Record<string, unknown>>().default({}),
  },
  (t) => [index('audit_log_request').on(t.requestId, t.id), index('audit_log_at').on(t.at)],
);

/** Notification intents written in the same transaction as the state change they follow. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    createdAt: createdAt(),
    requestId: uuid('request_id'),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull().$type<Record<string, unknown>>(),
    dedupeKey: text('dedupe_key'),
    /** pending → relayed (its delivery jobs are queued) → delivered (every one of them finished). */
    status: text('status').notNull().default('pending'),
    relayedAt: ts('relayed_at'),
    /** How many delivery jobs the relay queued for it (the row is delivered when as many are done). */
    jobs: integer('jobs'),
  },
  (t) => [
    uniqueIndex('outbox_dedupe').on(t.dedupeKey),
    index('outbox_pending').on(t.id).where(sql`${t.status} = 'pending'`),
    // Rows whose deliveries are in flight: what a re-drive scans after Redis lost its queues.
    index('outbox_relayed').on(t.id).where(sql`${t.status} = 'relayed'`),
  ],
);

/** Every card message sent anywhere, so each copy can be updated after a decision. */
export const cardMessages = pgTable(
  'card_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: uuid('request_id').notNull(),
    cardKind: text('card_kind').notNull(),
    platform: text('platform').$type<Platform>().notNull(),
    targetType: text('target_type').$type<'user' | 'chat'>().notNull(),
    targetId: text('target_id').notNull(), // platform id of the user or chat
    personId: text('person_id'),
    roomId: text('room_id'),
    messageId: text('message_id'), // Feishu message_id, simulator message id
    trackId: text('track_id'), // DingTalk outTrackId, WeCom task_id
    responseCode: text('response_code'), // WeCom: newest single-use code for this recipient
    responseCodeAt: ts('response_code_at'),
    renderedVersion: integer('rendered_version').notNull().default(0),
    status: text('status').notNull().default('sent'), // sent | failed | stale
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('card_messages_target').on(t.requestId, t.cardKind, t.platform, t.targetType, t.targetId),
    index('card_messages_message').on(t.platform, t.messageId),
    index('card_messages_track').on(t.platform, t.trackId),
  ],
);

/** Human-facing request numbers (A-0001): one counter per prefix. */
export const counters = pgTable('counters', {
  name: text('name').primaryKey(),
  value: integer('value').notNull().default(0),
});

/** Deadlines, reminders and prompts: Postgres is authoritative, BullMQ delayed jobs mirror it. */
export const timers = pgTable(
  'timers',
  {
    id: text('id').primaryKey(), // deterministic, doubles as the BullMQ job id
    requestId: uuid('request_id'),
    kind: text('kind').notNull(),
    fireAt: ts('fire_at').notNull(),
    firedAt: ts('fired_at'),
    cancelledAt: ts('cancelled_at'),
    payload: jsonb('payload').notNull().$type<Record<string, unknown>>().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('timers_due').on(t.fireAt).where(sql`${t.firedAt} IS NULL AND ${t.cancelledAt} IS NULL`), index('timers_request').on(t.requestId)],
);

export const digestsSent = pgTable(
  'digests_sent',
  {
    managerId: text('manager_id').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    sentAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.managerId, t.day] })],
);

/** The local simulator's chat history (it is a platform of its own, persisted like one). */
export const simMessages = pgTable(
  'sim_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    conversation: text('conversation').notNull(), // dm:<personId> | room:<roomId>
    sender: text('sender').notNull(), // 'bot' or a person id
    kind: text('kind').notNull(), // text | card
    text: text('text'),
    card: jsonb('card').$type<Record<string, unknown>>(),
    version: integer('version').notNull().default(1),
    createdAt: createdAt(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('sim_messages_conversation').on(t.conversation, t.id)],
);

/**
 * Platform events already applied. Inserted in the same transaction as the state change, so a
 * platform retry that slips past the Redis dedupe (restart, flush) still changes nothing.
 */
export const processedEvents = pgTable('processed_events', {
  key: text('key').primaryKey(),
  requestId: uuid('request_id'),
  at: createdAt(),
});

/**
 * Delivery jobs that have finished (sent, or failed for good), by BullMQ job id. Written when the
 * job ends, so a job re-driven after Redis lost it (a flush, a failover to an empty replica) is
 * sent only if it had not been, and a job that runs again is skipped.
 */
export const deliveriesDone = pgTable(
  'deliveries_done',
  {
    jobId: text('job_id').primaryKey(),
    /** The outbox row the job was expanded from (null: a job queued by the router or a fan-out). */
    outboxId: bigint('outbox_id', { mode: 'number' }),
    outcome: text('outcome').notNull(), // sent | failed
    at: createdAt(),
  },
  (t) => [index('deliveries_done_outbox').on(t.outboxId), index('deliveries_done_at').on(t.at)],
);

/**
 * What the working-day calendar said about a year, in the order it changed (seq 1, 2, …): where
 * its national days came from and a hash of its working days. A worker that starts with a
 * different fingerprint than the last one recounts the open deadlines of that year; the
 * (year, seq) key lets one replica record each change.
 */
export const calendarYears = pgTable(
  'calendar_years',
  {
    year: integer('year').notNull(),
    seq: integer('seq').notNull(),
    source: text('source').notNull(), // package | official | provisional
    fingerprint: text('fingerprint').notNull(),
    at: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.year, t.seq] })],
);

/**
 * Delegations (委托): `delegate` acts for `principal` on approval tasks from `starts_at` until
 * `ends_at` (exclusive; the end of the last day in the organisation's zone) unless cancelled.
 * `announced_at`: when the delegate was sent the principal's open tasks (at the start).
 */
export const delegations = pgTable(
  'delegations',
  {
    id: uuid('id').primaryKey(),
    principal: text('principal').notNull(),
    delegate: text('delegate').notNull(),
    startsAt: ts('starts_at').notNull(),
    endsAt: ts('ends_at').notNull(),
    mode: text('mode').notNull(), // delegate_only | both
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    cancelledAt: ts('cancelled_at'),
    announcedAt: ts('announced_at'),
    /** When the principal, after the end or a cancellation, was sent back their open tasks. */
    closedAt: ts('closed_at'),
  },
  (t) => [index('delegations_principal').on(t.principal, t.endsAt), index('delegations_delegate').on(t.delegate, t.endsAt)],
);

// ---- Outbound webhooks (issue 20): endpoints, the events they are sent, one delivery per pair.
/**
 * A receiver of webhook events. `source`: `file` (mirrored from the organisation file at boot;
 * only the file changes it) or `api` (created by an admin). `events` null: every event type.
 * A removed file endpoint is disabled, not deleted: its delivery log stays readable.
 */
export const webhookEndpoints = pgTable('webhook_endpoints', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  secret: text('secret').notNull(),
  events: text('events').array(),
  source: text('source').notNull(), // file | api
  enabled: boolean('enabled').notNull().default(true),
  description: text('description'),
  createdAt: createdAt(),
});

/** One event, written in the transaction of the change that made it; its id is the idempotency key. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: uuid('id').primaryKey(),
    type: text('type').notNull(),
    requestId: uuid('request_id'),
    payload: jsonb('payload').notNull().$type<Record<string, unknown>>(),
    occurredAt: ts('occurred_at').notNull(),
  },
  (t) => [index('webhook_events_request').on(t.requestId)],
);

/**
 * One event to one endpoint: `pending` (to be queued), `queued` (a job is in Redis), `delivered`
 * (answered 2xx), `dead` (attempts exhausted or refused for good; an admin may redrive it).
 * `redrives` is part of the job id, so a redriven delivery is a new job.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: uuid('event_id').notNull(),
    endpointId: text('endpoint_id').notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    redrives: integer('redrives').notNull().default(0),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    lastAttemptAt: ts('last_attempt_at'),
    deliveredAt: ts('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('webhook_deliveries_pair').on(t.eventId, t.endpointId), index('webhook_deliveries_status').on(t.status, t.id), index('webhook_deliveries_endpoint').on(t.endpointId, t.id)],
);

// ---- Approval centres (Feishu 三方审批, DingTalk 三方流程): what each platform was last told.
/**
 * One row per request and centre: the last version of the request mirrored there (an older
 * snapshot never overwrites a newer one), the platform's instance id (DingTalk assigns one) and
 * every task it was ever given, by our task key — a task no longer in the snapshot (transferred,
 * a signer removed) is closed there, and DingTalk's task ids are needed to complete or cancel.
 */
export const centreSyncs = pgTable(
  'centre_syncs',
  {
    platform: text('platform').$type<Platform>().notNull(),
    requestId: uuid('request_id').notNull(),
    syncedVersion: integer('synced_version').notNull(),
    externalId: text('external_id'),
    /** taskKey → { personId, stepId, round, status, externalId? } */
    tasks: jsonb('tasks').$type<Record<string, { personId: string; stepId: string; round: number; status: string; externalId?: string }>>().notNull(),
    /** Still open there (reconcile asks only about these). */
    open: boolean('open').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.platform, t.requestId] }), index('centre_syncs_open').on(t.platform, t.open)],
);

// ---- Attachments (invoices, event photos): files in Postgres, so every replica and a normal
// backup hold them. A file's bytes are chunk rows (streamed in and out, never loaded whole);
// a complete file is keyed by its content hash, so the same bytes are stored once.
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});

/** One stored file. `sha256` is set once all its chunks are in (`complete`); until then it is being written. */
export const files = pgTable(
  'files',
  {
    id: uuid('id').primaryKey(),
    sha256: text('sha256'),
    size: bigint('size', { mode: 'number' }).notNull().default(0),
    mime: text('mime').notNull(),
    complete: boolean('complete').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('files_sha256').on(t.sha256), index('files_incomplete').on(t.createdAt).where(sql`not ${t.complete}`)],
);

export const fileChunks = pgTable(
  'file_chunks',
  {
    fileId: uuid('file_id')
      .notNull()
      .references(() => files.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.fileId, t.seq] })],
);

/**
 * A file as someone added it: uploaded by `uploader` under `name`; `request_id` / `field` are
 * set when a submission takes it (an upload not taken yet is free to be referenced by its
 * uploader). The id is random, so a reference cannot be guessed from the content.
 */
export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey(),
    fileId: uuid('file_id')
      .notNull()
      .references(() => files.id),
    name: text('name').notNull(),
    uploader: text('uploader').notNull(),
    platform: text('platform').notNull(),
    requestId: uuid('request_id'),
    field: text('field'),
    addedAt: createdAt(),
  },
  (t) => [index('attachments_request').on(t.requestId, t.field), index('attachments_uploader').on(t.uploader, t.addedAt)],
);
