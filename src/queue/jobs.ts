// Typed job payloads shared by producers and workers. One queue per concern:
// inbound (normalised platform events), deliveries (outbound sends), schedule (timers).
import type { Card } from '../../cards/model.js';
import type { InboundEvent } from '../channels/inbound.js';
import type { MessageIntent } from '../core/model.js';
import type { DirectoryChange } from '../directory/types.js';
import type { Platform } from '../org/schema.js';

export const QUEUE_NAMES = { inbound: 'inbound', deliveries: 'deliveries', schedule: 'schedule', directory: 'directory', webhooks: 'webhooks' } as const;

export interface InboundItem {
  event: InboundEvent;
  /** The message key the receiver already showed the clicker (so a different outcome is reported). */
  ackKey?: string;
}

/** One job per ingest batch (group commit): the events accepted together, in arrival order. */
export interface InboundJob {
  events: InboundItem[];
  /** How many times recording these events' failure was put off (the database was down too). */
  parked?: number;
}
export const INBOUND_JOB = 'events';

export interface Target {
  type: 'user' | 'chat';
  /** The platform's id of the user or chat. */
  id: string;
  personId?: string;
  roomId?: string;
}

export type DeliveryJob =
  | { type: 'card.send'; platform: Platform; requestId: string; cardKind: 'approval'; target: Target }
  | { type: 'card.refresh'; requestId: string }
  /** `platform` routes it to that platform's paced queue, like a send (jobs queued before it existed lack it). */
  | { type: 'card.update'; platform: Platform; cardMessageId: number; requestId: string; version: number }
  /** `bulk`: one of a fan-out (the digest): queued on the platform's bulk queue (queues.ts). */
  | { type: 'message.send'; platform: Platform; target: Target; message: MessageIntent | { text: string }; requestId?: string; bulk?: boolean }
  | { type: 'form.send'; platform: Platform; target: Target; requestType: string; requestId?: string; prefill?: Record<string, string> }
  /** A prebuilt card sent as is (a dialog's confirmation card: a snapshot, not tied to a request), after an optional text. */
  | { type: 'card.post'; platform: Platform; target: Target; card: Card; lead?: string; requestId?: string; ref?: string }
  /** A posted snapshot card (a dialog's confirmation) replaced in place, by the platform's message id. */
  | { type: 'card.replace'; platform: Platform; target: Target; messageId: string; card: Card }
  /** A posted snapshot card replaced in place by the `ref` it was posted with (a dialog ended by typing). */
  | { type: 'card.settle'; platform: Platform; target: Target; ref: string; card: Card }
  /** Mirror a request's current state into that platform's approval centre (src/delivery/centre-sync.ts). */
  | { type: 'centre.sync'; platform: Platform; requestId: string };

/**
 * A `tick` job's id names the instant it falls due at (every timer due then shares it); a `timer`
 * job's id is a `timers` row id (a timer due at once). Their data stays this small on purpose: a
 * job hash whose fields fit Redis's listpack encoding costs ~400 bytes instead of ~1 KB (see the
 * scheduler bench).
 */
export type ScheduleJob = { type: 'tick' } | { type: 'timer' } | { type: 'reconcile' } | { type: 'digest' };

/**
 * The directory queue: a full read of every configured platform (the job scheduler's, an
 * admin's), or the changes one platform event pushed. One job runs at a time cluster-wide.
 */
export type DirectoryJob = { type: 'full'; reason: 'schedule' | 'admin' } | { type: 'change'; changes: DirectoryChange[] };

/** One outbound webhook delivery (a `webhook_deliveries` row); its job id is `wh-<id>-<redrives>`. */
export interface WebhookJob {
  deliveryId: number;
  /** The delivery's redrive count when queued: an older job of a redriven delivery sends nothing. */
  redrives: number;
}

/** BullMQ job ids may not contain ':'; keep them deterministic so retries dedupe. */
export const jobId = (...parts: Array<string | number>): string => parts.join('-').replace(/[^A-Za-z0-9_.@-]/g, '_');
