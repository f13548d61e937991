// WeCom template cards have no text inputs, so a click on "reject" or "send back" cannot carry
// a reason. The click opens a short dialog instead: the bot asks, and the member's next text
// message (within 10 minutes) becomes the reason of that click.
import type { Redis } from 'ioredis';
import type { ActionValue } from '../../../cards/model.js';
import { decodeAction } from '../../../cards/model.js';
import { t, type Locale, type MessageKey } from '../../core/messages.js';

export const REASON_TTL_SECONDS = 600;

export interface ReasonSession {
  action: ActionValue;
  trackId?: string;
}

const CANCEL = /^(取消|算了|cancel)$/i;

export function createReasonSessions(redis: Redis, prefix: string) {
  const key = (userId: string) => `${prefix}:wecom:reason:${userId}`;
  return {
    async start(userId: string, session: ReasonSession): Promise<void> {
      await redis.set(key(userId), JSON.stringify(session), 'EX', REASON_TTL_SECONDS);
    },
    async peek(userId: string): Promise<ReasonSession | undefined> {
      const raw = await redis.get(key(userId));
      if (!raw) return undefined;
      try {
        const v = JSON.parse(raw) as { action?: unknown; trackId?: unknown };
        const action = decodeAction(v.action);
        if (!action) return undefined;
        return { action, ...(typeof v.trackId === 'string' ? { trackId: v.trackId } : {}) };
      } catch {
        return undefined;
      }
    },
    async clear(userId: string): Promise<void> {
      await redis.del(key(userId));
    },
  };
}

export type ReasonSessions = ReturnType<typeof createReasonSessions>;

export const isCancel = (text: string) => CANCEL.test(text.trim());

const VERB: Record<string, MessageKey> = { reject: 'channels.wecom.verb.reject', return: 'channels.wecom.verb.return' };

export function reasonPrompt(action: ActionValue, locale: Locale): string {
  return t(locale, 'channels.wecom.reason_prompt', { verb: t(locale, VERB[action.a] ?? 'channels.wecom.verb.other') });
}

export const cancelledText = (locale: Locale) => t(locale, 'channels.wecom.cancelled');
