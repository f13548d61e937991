// Shapes shared by the dialog engine, its Redis store, the command handler and the router.
import type { Card } from '../../../cards/model.js';
import type { Locale } from '../../core/messages.js';
import type { MessageIntent } from '../../core/model.js';
import type { FieldSpec, RequestTypeDef } from '../../core/request-types.js';
import type { Platform } from '../../org/schema.js';

/**
 * What the bot answers an inbound message or click with. The router turns each into a
 * delivery job. `dm: true` sends it to the person's DM even when the event came from a group
 * (dialogs and personal lists never show in a group).
 */
export type Reply =
  | ((MessageIntent | { text: string }) & { dm?: boolean })
  /** The request type's card form (DM). */
  | { form: string }
  /**
   * A prebuilt neutral card (the dialog's confirmation card), sent to the DM as a snapshot;
   * `lead` is a text sent just before it in the same delivery job, so the two never swap.
   */
  | { card: Card; lead?: string; ref?: string }
  /** The clicked confirmation card (posted with `ref`), replaced in place by its final state (submitted, cancelled). */
  | { replaceCard: Card; ref?: string }
  /** A confirmation card posted with `ref`, replaced in place by its final state (the dialog ended by typing). */
  | { settleCard: Card; ref: string }
  /** The approval card of a request, (re)sent to the DM and kept up to date like every copy. */
  | { approvalCard: string };

/**
 * One conversation: a form being filled in by one person in their DM on one platform.
 * Plain JSON (kept in Redis). Values are canonical payload values (what `parseField`
 * returns), so a confirmed session is the request's payload as is.
 */
export interface DialogSession {
  v: 1;
  /** Random id; with `rev` it names the confirmation card a button belongs to. */
  id: string;
  /** Bumped on every change: a button of an older confirmation card is refused as stale. */
  rev: number;
  type: string;
  mode: 'new' | 'resubmit';
  /** Resubmission after a send-back: the request and its number. */
  requestId?: string;
  number?: string;
  values: Record<string, unknown>;
  /** Fields answered or skipped; the next question is the first declared field not in here. */
  visited: string[];
  phase: 'ask' | 'confirm';
  /** The field being asked (phase `ask`). */
  field?: string;
  /** Fields answered before, most recent last: `返回` pops it. */
  back: string[];
  /** Set by `修改 <字段>` from the confirmation: `返回` goes back to it. */
  returnTo?: 'confirm';
  /** Set by `返回`: answers walk forward one field at a time until the first unanswered one. */
  rewind?: boolean;
  /**
   * An answer whose reading was not certain (a money or budget formula, items apart by
   * spaces only …), shown back and waiting for a yes/no: nothing of it is in `values` yet.
   */
  pending?: { field: string; set: Record<string, unknown>; ack: string };
  /** Shown under a question, e.g. the events a summary may belong to. */
  hints?: Record<string, string>;
  startedAt: string;
  updatedAt: string;
}

/** What the engine says: plain text, or the confirmation card. */
export type DialogOut = { text: string } | { card: Card };

export interface EngineResult {
  /** The session after the input; null when the dialog ended (cancelled, submitted). */
  session: DialogSession | null;
  out: DialogOut[];
  /** The person confirmed: the caller submits `session.values` and reports back. */
  submit?: boolean;
}

export interface DialogEnv {
  now: Date;
  timezone: string;
  locale: Locale;
  platform: Platform;
  /** Checks a request number typed into a `requestRef` field; returns an error sentence or nothing. */
  checkRef?: (def: RequestTypeDef, spec: FieldSpec, number: string) => Promise<string | undefined>;
}
