// Feishu's documented rate limits, paced in Redis (src/channels/rate-windows.ts) so every replica
// and worker shares them:
//   - sending (POST im/v1/messages): 5 per second to one user or one chat (shared by every bot
//     in a group), and 50/s and 1000/min per app for the API;
//   - updating a card (PATCH im/v1/messages/:message_id): 5 per second per *message*, and 50/s
//     and 1000/min per app for the API — not the per-chat send limit: many cards in one chat
//     (an approver's cards, a room's) are updated side by side.
// Each API's app-wide limit is counted by Feishu per API, so sends and PATCHes have one each.
// https://open.feishu.cn/document/server-docs/im-v1/message/create ,
// https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/patch ,
// https://open.feishu.cn/document/ukTMukTMukTM/uUzN04SN3QjL1cDN (frequency control).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { bulkWindows, createRateWindows, perWindow, type RateWindow } from '../rate-windows.js';

/** Documented limits (before our margin). */
export const FEISHU_LIMITS = {
  perTargetPerSecond: 5,
  perMessagePatchPerSecond: 5,
  appPerSecond: 50,
  appPerMinute: 1000,
} as const;

export interface PacerOptions {
  redis: Redis;
  prefix: string;
  log: Logger;
  /** Sends per target per second (tests lower it). */
  perSecond?: number;
  /** Give up (transient error, the queue retries later) after waiting this long. */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Pacer {
  /** Resolves when a send to `target` fits its chat's and the send API's windows (a bulk send: leaving the reserve, rate-windows.ts). */
  acquire(target: string, opts?: { bulk?: boolean }): Promise<void>;
  /** Resolves when a PATCH of `messageId` fits the message's and the PATCH API's windows. */
  acquirePatch(messageId: string): Promise<void>;
}

export function createPacer(opts: PacerOptions): Pacer {
  const perTarget = opts.perSecond ?? FEISHU_LIMITS.perTargetPerSecond;
  const windows = createRateWindows({ redis: opts.redis, log: opts.log, maxWaitMs: opts.maxWaitMs ?? 10_000, ...(opts.sleep ? { sleep: opts.sleep } : {}) });
  const key = (s: string) => `${opts.prefix}:feishu:pace:${s}`;
  const app = (api: string): RateWindow[] => [perWindow(key(`api:${api}`), FEISHU_LIMITS.appPerSecond, 1), perWindow(key(`api:${api}`), FEISHU_LIMITS.appPerMinute, 60)];
  return {
    acquire: (target, o) => {
      const all = [perWindow(key(`target:${target}`), perTarget, 1), ...app('send')];
      return windows.acquire(o?.bulk ? bulkWindows(all) : all, `feishu: send to ${target}`);
    },
    acquirePatch: (messageId) => windows.acquire([perWindow(key(`message:${messageId}`), FEISHU_LIMITS.perMessagePatchPerSecond, 1), ...app('patch')], `feishu: update of ${messageId}`),
  };
}
