// Per-target pacing for robot messages and card deliveries, shared by every replica through
// Redis: a token bucket per chat or user. DingTalk's robot limit is 20 messages per minute per
// group (documented for group robots, which are then throttled for 10 minutes; it publishes no
// gentler figure for app robots), so each target gets a bucket of 20 refilled at 20 per minute. A send waits for its slot when that is close; otherwise it fails
// transiently and the delivery queue retries later, instead of holding a worker.
import type { Redis } from 'ioredis';
import { runLua } from '../../queue/lua.js';
import { DeliveryError } from '../channel.js';

export interface PacerOptions {
  capacity: number;
  perMinute: number;
  /** Wait at most this long in-process for a slot. */
  maxWaitMs: number;
}

export const DEFAULT_PACE: PacerOptions = { capacity: 20, perMinute: 20, maxWaitMs: 5_000 };

export class Pacer {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly o: PacerOptions = DEFAULT_PACE,
  ) {}

  /** Take a slot for the target, waiting briefly if needed; throws a transient DeliveryError otherwise. */
  async take(target: { type: string; id: string }): Promise<void> {
    const key = `${this.prefix}:dingtalk:pace:${target.type}:${target.id}`;
    const wait = Number(await runLua(this.redis, 'token-bucket', [key], [this.o.capacity, this.o.perMinute / 60_000, this.o.maxWaitMs]));
    if (wait < 0) throw new DeliveryError(`dingtalk: ${target.type} ${target.id} is paced, next slot in ${-wait} ms`, false, 'paced');
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
