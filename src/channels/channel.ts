// What every channel adapter provides. Channels are thin: they verify and normalise inbound
// traffic, and render and send outbound cards and messages. No business rules here.
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { t, type Locale } from '../core/messages.js';
import type { DirectoryIntake } from '../directory/types.js';
import type { Directory } from '../org/directory.js';
import type { InboundCardAction, InboundEvent } from './inbound.js';
import type { Card } from '../../cards/model.js';
import type { Platform } from '../org/schema.js';
import type { Target } from '../queue/jobs.js';
import type { ResponseCodeStore } from '../store/response-codes-repo.js';

/** One copy of a card a channel posted (recorded by the deliverer), as the channel updates it in place. */
export interface PostedCard {
  /** Our record of this copy: the same through every update. */
  id: number;
  targetType: Target['type'];
  /** The platform's id of the user or chat. */
  targetId: string;
  /** Feishu message_id, simulator message id. */
  messageId: string | null;
  /** DingTalk outTrackId, WeCom task_id. */
  trackId: string | null;
  /** When this copy was posted (the record's creation, renewed when a fresh copy replaces it): Feishu PATCHes only for 14 days. */
  createdAt?: Date;
}

export interface SentCard {
  messageId?: string;
  trackId?: string;
  responseCode?: string;
}

export interface UpdateResult {
  /** The card could not be updated in place; a short result message was sent instead. */
  fellBack?: boolean;
  /** The copy could not be updated in place (too old); this fresh card was sent instead and is the copy to update from now on. */
  replaced?: SentCard;
}

export interface ChannelHealth {
  ok: boolean;
  detail?: string;
}

export interface Channel {
  readonly platform: Platform;
  /** Webhook routes, registered on the web role only. */
  registerRoutes?(app: FastifyInstance): void;
  /** Long connections (Feishu ws, DingTalk stream), started on the web role. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  sendCard(target: Target, card: Card, opts: { requestId: string; idempotencyKey: string }): Promise<SentCard>;
  updateCard(message: PostedCard, card: Card): Promise<UpdateResult>;
  /** `bulk`: one of a fan-out (the digest), paced leaving room for everything else (rate-windows.ts). */
  sendText(target: Target, text: string, opts: { idempotencyKey: string; bulk?: boolean }): Promise<void>;
  health(): ChannelHealth | Promise<ChannelHealth>;
}

/**
 * A failed platform call. `permanent` stops retries (bad request, unknown user); otherwise the
 * delivery queue retries with backoff. `code` is the platform's own error code.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly code?: string | number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** What the shared ingest step answers a receiver: it decides the ack, the receiver renders it. */
export interface IngestResult {
  status: 'accepted' | 'duplicate' | 'refused' | 'unavailable';
  /** Instant feedback for the clicker (toast), already in the reader's language. */
  feedback?: { text: string; tone: 'success' | 'error' | 'info' };
  /**
   * The clicked card as it should now read for the clicker, where the platform's click answer
   * can replace it: a refused card form with each field's error beside it and its values kept.
   */
  card?: Card;
}

/** An authentic click on a card that is not ours (an old deployment's, a deleted one): a toast, not an error. */
export const staleCardResult = (locale: Locale): IngestResult => ({ status: 'refused', feedback: { text: t(locale, 'card.stale'), tone: 'info' } });

/** Everything a channel factory gets from the composition root. */
export interface ChannelDeps {
  config: Config;
  log: Logger;
  /** A shared Redis connection (token caches, dedupe of channel-level state, pacing). */
  redis: Redis;
  /** Key prefix for anything the channel keeps in Redis. */
  redisPrefix: string;
  /** WeCom's single-use response codes per card copy (the only channel state kept in Postgres). */
  responseCodes: ResponseCodeStore;
  dir: Directory;
  /** verify → normalise → **ingest** → ack: dedupes, pre-checks clicks, enqueues. */
  ingest(event: InboundEvent): Promise<IngestResult>;
  /** What a click would get now, recording and queueing nothing (undefined: nothing to check). */
  precheck?(event: InboundCardAction): Promise<IngestResult | undefined>;
  /** Contact change events (with a synced directory): verify → normalise → **queue** → ack. */
  directory?: DirectoryIntake;
}
