// Shapes shared by the pure core and the store. A RequestState is a complete snapshot of one
// request: the core computes the next snapshot, the store persists it with compare-and-set.
import type { MessageKey } from './i18n/types.js';
import type { Platform } from '../org/schema.js';
import type { Payload } from './fields/types.js';

/** Where an action came from: a chat platform, the integration API, or the system (timers). */
export type Origin = Platform | 'api' | 'system';

export const REQUEST_STATUSES = [
  'consulting', // 先沟通再申报: waiting for HQ marketing to acknowledge
  'pending',
  'approved',
  'rejected',
  'returned', // sent back for changes; the applicant may resubmit
  'withdrawn',
  'expired',
  'summary_due',
  'summary_submitted',
  'scored',
  'reimbursing',
  'closed',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** Statuses in which approval steps are open for decisions. */
export const OPEN_STATUSES: ReadonlySet<RequestStatus> = new Set(['consulting', 'pending']);

export type StepStatus = 'waiting' | 'active' | 'approved' | 'rejected' | 'skipped' | 'cancelled';

export interface StepDecision {
  personId: string;
  /** `return`: sent back for changes (the step closed with the reason; a resubmission opens a new round). */
  decision: 'approve' | 'reject' | 'return';
  at: string;
  comment?: string;
  platform: Origin;
  /** Who decided for `personId` under a delegation (src/core/delegation.ts). */
  delegateId?: string;
}

/** How a decision reads: approving a pre-consultation (先沟通再申报) is an acknowledgement (已沟通). */
export function decisionKind(decision: StepDecision['decision'], stepKind: string | null | undefined): StepDecision['decision'] | 'acknowledge' {
  return decision === 'approve' && stepKind === 'consult' ? 'acknowledge' : decision;
}

export interface StepState {
  /** Unique within the request's round: workflow step id, `consult`, or `signer-<n>` for added signers. */
  id: string;
  name: string;
  kind: 'consult' | 'approval';
  mode: 'any' | 'all';
  approvers: string[];
  decisions: StepDecision[];
  status: StepStatus;
  due?: string;
  dueAt?: string;
  activatedAt?: string;
  /** Why the step was skipped, for the timeline. */
  note?: string;
}

export interface RequestState {
  id: string;
  number: string;
  type: string;
  title: string;
  applicantId: string;
  deptId: string;
  status: RequestStatus;
  payload: Payload;
  /** Bumped on resubmission after a send-back: steps and decisions belong to a round. */
  round: number;
  steps: StepState[];
  /** Index into steps of the open step, or null when none is open. */
  current: number | null;
  version: number;
  urgent: boolean;
  /** For summary/scoring/reimbursement: the event request this one belongs to. */
  parentId?: string;
  createdAt: string;
  updatedAt: string;
}

export interface ActorRef {
  personId: string;
  platform: Origin;
}

/** Event lifecycle after approval: summary → scoring → reimbursement → closed. */
export type LifecycleTrigger =
  | 'event_ended'
  | 'summary_submitted'
  | 'summary_reopened'
  | 'scored'
  | 'reimbursement_submitted'
  | 'reimbursement_reopened'
  | 'reimbursed'
  | 'expired'
  /** The open step's deadline passed: escalate (see deadlinePassed). */
  | 'deadline_passed';

export type Action =
  | { type: 'approve'; stepId: string; comment?: string }
  | { type: 'reject'; stepId: string; reason: string }
  | { type: 'return'; stepId: string; reason: string }
  | { type: 'transfer'; stepId: string; to: string; comment?: string }
  | { type: 'add_signer'; stepId: string; signers: string[]; position: 'before' | 'after'; comment?: string }
  | { type: 'withdraw'; reason?: string }
  | { type: 'comment'; text: string }
  | { type: 'resubmit'; payload: Payload };

/** A message for a person or a room, rendered later in the reader's locale. */
export interface MessageIntent {
  key: MessageKey;
  params: Record<string, string | number>;
  /**
   * Sent to a delegate for people who are away (委托): their names, and the text is prefixed
   * "（代 刘洋）" (`delegation.notice.on_behalf`). See routeTasks in core/delegation.ts.
   */
  onBehalfOf?: string;
}

/** A message to render later in the reader's language. */
export const msg = (key: MessageKey, params: MessageIntent['params'] = {}): MessageIntent => ({ key, params });

export type Effect =
  /** Re-render every card of the request on every platform it was posted to. */
  | { kind: 'refresh_cards' }
  /** Post the approval card for the open step to these people and rooms. */
  | { kind: 'post_approval_card'; stepId: string; people: string[]; rooms: string[] }
  /** A message to people (their DMs) and, optionally, to rooms (e.g. the pre-event notice). */
  /** `bulk`: one of a fan-out to many (the daily digest): sent on the platform's bulk queue, after what people wait on. */
  | { kind: 'notify'; people: string[]; message: MessageIntent; rooms?: string[]; bulk?: boolean }
  /** Send a form (pre-filled) with a short message, e.g. the summary prompt after an event. */
  | { kind: 'prompt_form'; people: string[]; requestType: string; prefill: Record<string, string>; message: MessageIntent }
  | { kind: 'step_opened'; stepId: string; dueAt?: string }
  | { kind: 'step_closed'; stepId: string };

export interface AuditEntry {
  action: string;
  actorId: string | null;
  platform: Origin | null;
  stepId?: string;
  detail: Record<string, unknown>;
}

export interface TransitionOk {
  ok: true;
  state: RequestState;
  effects: Effect[];
  audit: AuditEntry[];
  /** Decisions to insert (the store's unique index makes each one exactly-once). */
  decisions: Array<StepDecision & { stepId: string; round: number }>;
  /** Short feedback for the actor (toast). */
  feedback: MessageIntent;
}

export type RefusalCode =
  | 'not_approver'
  | 'already_decided'
  | 'step_closed'
  | 'wrong_state'
  | 'not_applicant'
  | 'reason_required'
  | 'unknown_person'
  | 'unknown_request'
  /** A step has nobody to ask and its empty-approver policy refuses the submission. */
  | 'no_approver'
  | 'invalid';

export interface TransitionRefused {
  ok: false;
  code: RefusalCode;
  message: MessageIntent;
}

export type Transition = TransitionOk | TransitionRefused;
