// What the simulator's API sends (src/simulator/routes.ts, src/http/api-routes.ts), as JSON.
import type { Card } from '../../../cards/model.js';
import type { Locale } from '../../core/i18n/index.js';
import type { RequestState } from '../../core/model.js';

export type { Card, CardAttachment, CardButton, CardForm, FormInput, ActionValue } from '../../../cards/model.js';
export type { RequestState, StepState } from '../../core/model.js';

export interface Person {
  id: string;
  name: string;
  title: string;
  dept: string;
  deptName: string;
}

export interface Room {
  id: string;
  name: string;
  members: string[];
}

/** GET /api/sim/bootstrap */
export interface Boot {
  organisation: string;
  locale: Locale;
  timezone: string;
  people: Person[];
  rooms: Room[];
  requestTypes: Array<{ id: string; name: string; nameEn: string }>;
  /** A simulator-only instance: the demo clock control is shown. */
  demoClock: boolean;
}

/** A row of sim_messages (src/store/sim-messages-repo.ts) as JSON. */
export interface SimMessage {
  id: number;
  conversation: string;
  sender: string;
  kind: 'text' | 'card';
  text: string | null;
  card: Card | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface TimelineEntry {
  action: string;
  actorId: string | null;
  platform: string | null;
  stepId?: string | null;
  detail: Record<string, unknown> | null;
  at: string;
}

/** GET /api/requests/:id */
export interface RequestDetail {
  request: RequestState;
  card?: Card;
  timeline: TimelineEntry[];
}

/** The ack of POST /api/sim/actions (an IngestResult), or a failure to reach it. */
export interface Ack {
  status: string;
  feedback?: { text: string; tone?: Tone };
  /** A refused form: each field's error (field name → message). */
  fields?: Record<string, string>;
  /** A submitted form: the request it created. */
  request?: { id: string; number: string };
}

export type Tone = 'success' | 'error' | 'info';

/** A conversation as the sidebar lists it. */
export interface Conversation {
  id: string;
  name: string;
  kind: 'dm' | 'room';
  members: string[];
}

/** Where a person's dialog stands (src/bot/dialog/phase.ts). */
export interface DialogPhase {
  phase: 'ask' | 'confirm' | null;
  back: boolean;
  skip: boolean;
  /** The field being asked takes files (the composer shows its 📎 button). */
  files?: boolean;
}
