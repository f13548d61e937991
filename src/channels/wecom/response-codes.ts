// WeCom's response codes: each updates one recipient's card once, within 72 h. The newest code
// per card copy is kept by the store (`ResponseCodeStore`); this decides whether one taken is
// still safe to spend.
import type { ResponseCodeStore } from '../../store/response-codes-repo.js';

export const CODE_LIFETIME_MS = 72 * 3600 * 1000;
/** Codes this close to their end are not risked: the call could arrive after WeCom's deadline. */
export const CODE_SAFETY_MS = 10 * 60 * 1000;

export type Claim = { kind: 'code'; code: string; at: Date } | { kind: 'expired' } | { kind: 'none' };

/** Takes the newest stored code for a card copy; one too close to its end is spent as `expired`. */
export async function claimCode(codes: ResponseCodeStore, cardMessageId: number, now = new Date()): Promise<Claim> {
  const taken = await codes.take(cardMessageId);
  if (!taken) return { kind: 'none' };
  if (now.getTime() - taken.at.getTime() > CODE_LIFETIME_MS - CODE_SAFETY_MS) return { kind: 'expired' };
  return { kind: 'code', ...taken };
}
