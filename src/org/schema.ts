// The organisation file (YAML): who works where, which group chats exist on which platform,
// and how each request type is approved. Validated once at boot; see README "Organisation file".
import { z } from 'zod';
import { fieldKindNames, isFieldKind } from '../core/fields/index.js';
import { t } from '../core/i18n/index.js';
import { LINK_KEYS } from '../core/directory/link.js';
import { WEBHOOK_EVENT_TYPES } from '../core/webhooks/event-types.js';

export const PLATFORMS = ['feishu', 'dingtalk', 'wecom', 'local'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const REMOTE_PLATFORMS = ['feishu', 'dingtalk', 'wecom'] as const;
export type RemotePlatform = (typeof REMOTE_PLATFORMS)[number];

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'ids use lower-case letters, digits, "-" and "_"');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use HH:MM (24 h)');
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD');

const platformIds = z
  .object({ feishu: z.string().min(1), dingtalk: z.string().min(1), wecom: z.string().min(1) })
  .partial()
  .strict();

/** Approver reference: `dept_lead`, `parent_dept_lead`, `role:<role>`, `person:<id>`, `applicant`. */
export const approverRef = z
  .string()
  .regex(/^(dept_lead|parent_dept_lead|applicant|role:[a-z0-9_-]+|person:[a-z0-9_-]+)$/, {
    message: 'use dept_lead, parent_dept_lead, applicant, role:<role> or person:<id>',
  });

/** A comparison on a request fact (category, budgetTotal, headcount, budgetPerHead, withinFramework…). */
export const condition = z
  .object({
    fact: z.string().min(1),
    eq: z.union([z.string(), z.number(), z.boolean()]).optional(),
    ne: z.union([z.string(), z.number(), z.boolean()]).optional(),
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    in: z.array(z.union([z.string(), z.number()])).optional(),
  })
  .strict();
export type Condition = z.infer<typeof condition>;

/** Due time: `5wd` working days, `8wh` working hours, `48h` / `3d` calendar, `17:00` today at a clock time. */
export const dueSpec = z
  .string()
  .regex(/^(\d+(wd|wh|h|d|m)|([01]\d|2[0-3]):[0-5]\d)$/, 'use e.g. 5wd, 8wh, 48h, 3d, 30m or 17:00');

/** A span of time: `1wd` working days, `4wh` working hours, `2h` / `1d` / `30m` elapsed time. */
export const spanSpec = z.string().regex(/^\d+(wd|wh|h|d|m)$/, 'use e.g. 1wd, 4wh, 2h, 1d or 30m');

/** 催办 points: a share of the step's time gone (`50%`) or the time left before the deadline (`1wd`, `4wh`, `2h`). */
export const reminderPoint = z
  .string()
  .regex(/^(([1-9]\d?)%|\d+(wd|wh|h|d|m))$/, 'use a share of the time gone (50%) or the time left (1wd, 4wh, 2h)');

export const reminderPolicy = z
  .object({
    before: z.array(reminderPoint).default(['50%', '1wd']),
    /** While overdue, remind again every span (null: no overdue reminders). */
    overdueEvery: spanSpec.nullable().default('1wd'),
    maxOverdue: z.number().int().min(0).max(100).default(10),
  })
  .strict();
export type ReminderPolicy = z.infer<typeof reminderPolicy>;
export const DEFAULT_REMINDERS: ReminderPolicy = { before: ['50%', '1wd'], overdueEvery: '1wd', maxOverdue: 10 };

/**
 * What a step whose approvers resolve to nobody does (审批人为空时): approve itself, reject the
 * request at that step, refuse the submission (nothing is stored), or hand the step to other
 * approvers (refused when they too resolve to nobody). Unset everywhere: `{ assign: [role:admin] }`.
 */
export const whenEmptyPolicy = z.union([
  z.enum(['auto_approve', 'reject', 'refuse']),
  z.object({ assign: z.array(approverRef).min(1) }).strict(),
]);
export type WhenEmptyPolicy = z.infer<typeof whenEmptyPolicy>;
export const DEFAULT_WHEN_EMPTY: WhenEmptyPolicy = { assign: ['role:admin'] };

/** What happens when a step's deadline passes: the target is always told; the policy may also act. */
export const escalationPolicy = z
  .object({
    policy: z.enum(['notify', 'transfer', 'approve', 'reject']).default('notify'),
    to: z.array(approverRef).min(1).default(['parent_dept_lead']),
    reason: z.string().min(1).max(200).default(t('zh-CN', 'org.default_reject_reason')),
  })
  .strict();
export type EscalationPolicy = z.infer<typeof escalationPolicy>;

export const workflowStep = z
  .object({
    id: id,
    name: z.string().min(1),
    approvers: z.array(approverRef).min(1),
    mode: z.enum(['any', 'all']).default('any'),
    due: dueSpec.optional(),
    when: z.array(condition).default([]),
    /** Steps skipped on the fast track (regular event inside the framework standard). */
    fastTrackSkip: z.boolean().default(false),
    /** When the approvers resolve to nobody (default: the workflow's, then the organisation's). */
    whenEmpty: whenEmptyPolicy.optional(),
  })
  .strict();
export type WorkflowStep = z.infer<typeof workflowStep>;

export const workflow = z
  .object({
    requestType: id,
    name: z.string().min(1).optional(),
    /** Rooms that get the approval card (each on every platform the room exists on). */
    rooms: z.array(id).default([]),
    /** Also send the approval card to each approver directly. */
    directToApprovers: z.boolean().default(true),
    cc: z.array(approverRef).default([]),
    ccOn: z.array(z.enum(['submit', 'complete'])).default(['complete']),
    skipSelfApproval: z.boolean().default(true),
    /** Default of the steps that set no `whenEmpty` (default: organisation.whenEmpty). */
    whenEmpty: whenEmptyPolicy.optional(),
    /**
     * 审批人去重: a step whose approver already approved an earlier step of this round approves
     * itself — `any_earlier` (任意前序同意后), `previous` (仅在连续时: the step before it), or `none`.
     */
    sameApprover: z.enum(['none', 'any_earlier', 'previous']).default('none'),
    /** A send-back restarts the chain at this step id (default: the first step). */
    restartAt: id.optional(),
    preConsult: z
      .object({ approvers: z.array(approverRef).min(1), when: z.array(condition).default([]), due: dueSpec.optional(), whenEmpty: whenEmptyPolicy.optional() })
      .strict()
      .optional(),
    fastTrack: z
      .object({ when: z.array(condition).min(1), action: z.enum(['skip-steps', 'auto-approve']) })
      .strict()
      .optional(),
    /** Extra step added when reimbursed spend exceeds the approved budget by more than the tolerance. */
    overBudget: z
      .object({ tolerancePercent: z.number().min(0).default(0), approvers: z.array(approverRef).min(1), whenEmpty: whenEmptyPolicy.optional() })
      .strict()
      .optional(),
    steps: z.array(workflowStep).min(1),
    /** 催办 before and after a step's deadline (default: organisation.reminders). */
    reminders: reminderPolicy.optional(),
    /** At a step's deadline (default: tell the applicant's parent department lead). */
    escalation: escalationPolicy.optional(),
    /**
     * Scoring workflows: who is prompted to score an event once its summary is in, relative to
     * the event's organiser (default: the first step's approvers). The steps then confirm the score.
     */
    scorers: z.array(approverRef).min(1).optional(),
  })
  .strict();
export type Workflow = z.infer<typeof workflow>;

/** An attachments field's limits as the organisation file writes them (sizes in MB), read into bytes. */
const attachmentLimits = z
  .object({
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(1).max(50).optional(),
    types: z.array(z.string().min(1)).min(1).optional(),
    maxFileMb: z.number().positive().max(200).optional(),
    maxTotalMb: z.number().positive().max(1000).optional(),
  })
  .strict()
  .transform(({ maxFileMb, maxTotalMb, ...rest }) => ({
    ...rest,
    ...(maxFileMb !== undefined ? { maxFileBytes: Math.round(maxFileMb * 1024 * 1024) } : {}),
    ...(maxTotalMb !== undefined ? { maxTotalBytes: Math.round(maxTotalMb * 1024 * 1024) } : {}),
  }));

/** A request type declared in the organisation file (adds a type, or replaces a built-in one). */
export const requestTypeSpec = z
  .object({
    id,
    name: z.string().min(1),
    nameEn: z.string().min(1).optional(),
    prefix: z.string().regex(/^[A-Z]$/, 'one capital letter'),
    titleField: z.string().optional(),
    lifecycle: z.enum(['event', 'simple']).default('simple'),
    fields: z
      .array(
        z
          .object({
            key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/),
            label: z.string().min(1),
            labelEn: z.string().min(1).optional(),
            // Any registered kind (src/core/fields/registry.ts), asked when the file is read.
            kind: z.string().refine(isFieldKind, { error: () => `unknown field kind; use one of ${fieldKindNames().join(', ')}` }),
            required: z.boolean().default(true),
            example: z.string().optional(),
            options: z.array(z.object({ value: z.string().min(1), label: z.string().min(1) }).strict()).optional(),
            max: z.number().positive().optional(),
            /** Attachments fields: how many files, which types (image, pdf, office or MIME types), sizes in MB. */
            files: attachmentLimits.optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type RequestTypeSpec = z.infer<typeof requestTypeSpec>;

const departmentEntry = z
  .object({
    id,
    name: z.string().min(1),
    lead: id.optional(),
    parent: id.optional(),
    managers: z.array(id).default([]),
    /** The synced department this entry stands for (its id on the tree platform). */
    ids: platformIds.default({}),
  })
  .strict();

const personEntry = z
  .object({
    id,
    name: z.string().min(1),
    dept: id,
    title: z.string().optional(),
    ids: platformIds.default({}),
    prefer: z.enum(REMOTE_PLATFORMS).optional(),
    /** Link keys naming the synced person this entry stands for (with a synced directory). */
    employeeNo: z.string().min(1).optional(),
    mobile: z.string().min(1).optional(),
    email: z.string().min(1).optional(),
  })
  .strict();

/**
 * An outbound webhook endpoint: the events it receives (all when left out) and the secret its
 * signature is made with (at least 16 characters; README, Outbound webhooks).
 */
export const webhookEndpoint = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'use lowercase letters, digits, - and _'),
    url: z.url({ protocol: /^https?$/ }),
    secret: z.string().min(16, 'must be at least 16 characters'),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).optional(),
    description: z.string().optional(),
  })
  .strict();
export type WebhookEndpointSpec = z.infer<typeof webhookEndpoint>;

/**
 * The organisation file's schema. Without a synced directory (`directory.sync` off) it is as
 * strict as ever: every person has a name and a department, and both lists are non-empty. With
 * it on, entries are an overlay: a person may be only an id plus a platform id or a link key
 * (name and department come from the sync), a department may be only an id bound to a synced
 * one plus overrides, and either list may be empty.
 */
function orgSchemaOf<D extends z.ZodType, P extends z.ZodType>(departments: D, people: P) {
  return z
    .object({
      organisation: z
        .object({
          name: z.string().min(1),
          /** Whom people not in this file should ask to be added (shown in the bot's reply). */
          contact: z.string().min(1).default(t('zh-CN', 'org.default_contact')),
          timezone: z.string().default('Asia/Shanghai'),
          locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
          businessHours: z.object({ start: hhmm, end: hhmm }).strict().default({ start: '09:00', end: '18:00' }),
          /**
           * Extra company days off / extra working days on top of the national calendar, and the
           * State Council's arrangement for a year the holiday package does not know yet
           * (`official: { 2027: { holidays: [...], workdays: [...] } }`), which ends that year's
           * provisional (computed-by-law) status.
           */
          calendar: z
            .object({
              holidays: z.array(isoDate).default([]),
              workdays: z.array(isoDate).default([]),
              official: z
                .record(
                  z.string().regex(/^\d{4}$/, 'use a year, e.g. 2027'),
                  z.object({ holidays: z.array(isoDate).min(1), workdays: z.array(isoDate).default([]) }).strict(),
                )
                .default({}),
            })
            .strict()
            .default({ holidays: [], workdays: [], official: {} }),
          digest: z
            .object({ time: hhmm.default('08:30'), allClear: z.boolean().default(false) })
            .strict()
            .default({ time: '08:30', allClear: false }),
          /** Default 催办 policy of every workflow that does not set its own. */
          reminders: reminderPolicy.default(DEFAULT_REMINDERS),
          /** An applicant may 催办 a request once per this span. */
          nudgeInterval: spanSpec.default('4wh'),
          /** Lead time of the notice to the event's rooms and organiser before it starts (null: none). */
          preEventNotice: spanSpec.nullable().default('1wd'),
          /** The post-event summary is due this long after the event ends. */
          summaryDue: dueSpec.default('3wd'),
          /** The organiser's department lead is told when the summary is this late after the end (null: never). */
          summaryEscalateAfter: spanSpec.nullable().default('5wd'),
          /** Default empty-approver policy of every workflow (unset: `{ assign: [role:admin] }`, then refuse). */
          whenEmpty: whenEmptyPolicy.optional(),
          /**
           * Leavers and movers: whom a leaver's open tasks (and a mover's tasks held as a
           * department lead) go to — `dept_lead` (the lead of their department, up the tree, then
           * the role `admin`), `person:<id>` or `role:<role>`.
           */
          leavers: z
            .object({ handTo: z.string().regex(/^(dept_lead|role:[a-z0-9_-]+|person:[a-z0-9_-]+)$/, 'use dept_lead, role:<role> or person:<id>').default('dept_lead') })
            .strict()
            .default({ handTo: 'dept_lead' }),
          /** Delegation (委托): the delegate alone acts during the period, or either of the two. */
          delegation: z
            .object({ mode: z.enum(['delegate_only', 'both']).default('delegate_only') })
            .strict()
            .default({ mode: 'delegate_only' }),
        })
        .strict(),
      roles: z.record(id, z.array(id).min(1)).default({}),
      /**
       * People and departments from the platforms' contacts (directory sync). Off: this file lists
       * everyone, as before. On: the file is an overlay — its departments and people override or
       * add to the synced ones, and a person entry may be just an id and a platform id.
       */
      directory: z
        .object({
          sync: z.boolean().default(false),
          /** Whose department tree is the organisation's when several platforms are synced. */
          tree: z.enum(REMOTE_PLATFORMS).optional(),
          /** Keys that say two platform accounts are one person, in order of trust. */
          linkBy: z.array(z.enum(LINK_KEYS)).min(1).default([...LINK_KEYS]),
          /** A full read of every platform this often (change events keep it current between). */
          fullSyncEvery: z.string().regex(/^\d+(h|m)$/, 'use e.g. 6h or 30m').default('6h'),
          /** Departments left out of the sync (our id or the tree platform's id), with everyone and everything under them. */
          exclude: z.array(z.string().min(1)).default([]),
        })
        .strict()
        .default({ sync: false, linkBy: [...LINK_KEYS], fullSyncEvery: '6h', exclude: [] }),
      departments,
      people,
      rooms: z
        .array(
          z.object({ id, name: z.string().min(1), members: z.array(id).default([]), ids: platformIds.default({}) }).strict(),
        )
        .default([]),
      frameworkStandard: z
        .array(
          z
            .object({
              eventType: z.string().min(1),
              formats: z.array(z.string().min(1)).default([]),
              maxPerHead: z.number().positive().optional(),
              maxTotal: z.number().positive().optional(),
            })
            .strict(),
        )
        .default([]),
      requestTypes: z.array(requestTypeSpec).default([]),
      workflows: z.array(workflow).default([]),
      /** Outbound webhooks (src/webhooks/): mirrored into the database at boot; the admin API adds more. */
      webhooks: z.array(webhookEndpoint).default([]),
    })
    .strict();
}

/** The strict schema (no synced directory). */
export const orgSchema = orgSchemaOf(z.array(departmentEntry).min(1), z.array(personEntry).min(1));
/** The overlay schema (`directory.sync: true`). */
export const syncedOrgSchema = orgSchemaOf(
  z.array(departmentEntry.extend({ name: z.string().min(1).optional() })).default([]),
  z.array(personEntry.extend({ name: z.string().min(1).optional(), dept: id.optional() })).default([]),
);

/** The file as written: with a synced directory, person entries may lack a name or department. */
export type OrgFileInput = z.infer<typeof syncedOrgSchema>;
export type PersonEntry = OrgFileInput['people'][number];
export type DepartmentEntry = OrgFileInput['departments'][number];
/** A person of the organisation: every one has a name and a department. */
export type Person = PersonEntry & { name: string; dept: string };
/** A department of the organisation: every one has a name. */
export type Department = DepartmentEntry & { name: string };
/** The organisation as the product reads it (the file, or the file over the synced directory). */
export type OrgFile = Omit<OrgFileInput, 'people' | 'departments'> & { people: Person[]; departments: Department[] };
export type Room = OrgFile['rooms'][number];
