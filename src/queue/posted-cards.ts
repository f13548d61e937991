// Where a snapshot card (a dialog's confirmation card: not a request's, so not in card_messages)
// was posted, by the reference its sender gave it: so it can be replaced in place later, when
// the dialog ends by a typed 确认/取消 rather than a click on the card. Kept in Redis for as long
// as a dialog can live; a lost entry only leaves the old card as it was (a late click on it is
// still refused as stale), never a wrong decision.
import type { Redis } from 'ioredis';
import type { SentCard } from '../channels/channel.js';
import type { Platform } from '../org/schema.js';

const TTL_S = 7 * 24 * 3600;

export interface PostedCards {
  record(platform: Platform, ref: string, sent: SentCard): Promise<void>;
  find(platform: Platform, ref: string): Promise<SentCard | undefined>;
}

export function postedCards(redis: Redis, prefix: string): PostedCards {
  const key = (platform: Platform, ref: string) => `${prefix}:posted:${platform}:${ref}`;
  return {
    async record(platform, ref, sent) {
      if (!sent.messageId && !sent.trackId) return;
      await redis.set(key(platform, ref), JSON.stringify(sent), 'EX', TTL_S);
    },
    async find(platform, ref) {
      const raw = await redis.get(key(platform, ref));
      return raw ? (JSON.parse(raw) as SentCard) : undefined;
    },
  };
}
