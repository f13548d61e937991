// Per-target pacing for robot messages and card deliveries, shared by every replica through
// Redis: a token bucket per chat or user. DingTalk's robot limit is 20 messages per minute per
// group (documented for group robots, which are then throttled for 10 minutes; it publishes no
// gentler figure for app robots), so each target gets a bucket of 20 refilled at 20 per minute. A send waits for its slot when that is close; otherwise it fails
// transiently and the delivery queue retries later, instead of holding a worker.
import type { Redis } from 'ioredis';
import { DeliveryError } from '../channel.js';

export interface PacerOptions {
  capacity: number;
  perMinute: number;
  /** Wait at most this long in-process for a slot. */
  maxWaitMs: number;
}

export const DEFAULT_PACE: PacerOptions = { capacity: 20, perMinute: 20, maxWaitMs: 5_000 };

// Returns the wait in ms (>= 0, slot taken) or minus the wait (slot not taken: too far away).
const SCRIPT = `
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then tokens = cap; ts = now end
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) / rate) end
if wait > maxWait then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate))
  return -wait
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + wait)
return wait
`;

export class Pacer {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly o: PacerOptions = DEFAULT_PACE,
  ) {}

  /** Take a slot for the target, waiting briefly if needed; throws a transient DeliveryError otherwise. */
  async take(target: { type: string; id: string }): Promise<void> {
    const key = `${this.prefix}:dingtalk:pace:${target.type}:${target.id}`;
    const wait = Number(await this.redis.eval(SCRIPT, 1, key, this.o.capacity, this.o.perMinute / 60_000, this.o.maxWaitMs));
    if (wait < 0) throw new DeliveryError(`dingtalk: ${target.type} ${target.id} is paced, next slot in ${-wait} ms`, false, 'paced');
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
