// The page's state: who the page acts as, what it shows, and the elements it keeps.
import type { Boot, Card, DialogPhase, Person, RequestState, SimMessage } from './types.js';

export const state = {
  boot: null as Boot | null,
  people: new Map<string, Person>(),
  /** The person the page acts as. */
  me: '',
  /** The open conversation. */
  active: '',
  messages: new Map<number, SimMessage>(),
  /** Message rows by id, reused across re-renders (a live update keeps the same element). */
  msgEls: new Map<number, HTMLElement>(),
  cardEls: new Map<number, CardElement>(),
  source: null as EventSource | null,
  /** Bumped on every person switch; stale async work checks it. */
  gen: 0,
  /** The open detail drawer. */
  drawer: null as { ref: string; request: RequestState | null } | null,
  /** Where the person's dialog in their DM stands (GET /api/sim/dialog): its chips. */
  dialog: { phase: null, back: false, skip: false } as DialogPhase,
  /** Request type → its form card (field labels and options). */
  formCache: new Map<string, Card>(),
  /** Request type → the values of its 发起申请 form closed without submitting (kept for the next opening). */
  drafts: new Map<string, Record<string, string>>(),
};

/** A card's element remembers the card it shows, to highlight what an update changed. */
export type CardElement = HTMLElement & { card?: Card };

/** The bootstrap data (set before anything renders). */
export const boot = (): Boot => state.boot!;
