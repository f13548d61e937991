// The platform-neutral card: every channel renders this one model (Feishu card JSON 2.0,
// DingTalk card params, WeCom template_card, the simulator's HTML). Keep it small: what
// all four can show.

/** What a button or form submission asks for. Compact because platforms limit callback sizes. */
export interface ActionValue {
  /** action: approve | reject | return | withdraw | comment | transfer | add_signer | submit | open_form … */
  a: string;
  /** request id */
  r?: string;
  /** step id */
  s?: string;
  /** request type, for forms that create a request */
  t?: string;
}

export type Tone = 'info' | 'pending' | 'approved' | 'rejected' | 'warning' | 'neutral';


export interface CardField {
  label: string;
  value: string;
  /** Long values span the card's width. */
  wide?: boolean;
}

export interface CardButton {
  label: string;
  style: 'primary' | 'danger' | 'default';
  action: ActionValue;
  /** The click needs a reason (reject, send back): channels collect it with an input or a follow-up. */
  needsReason?: boolean;
}

export interface FormInput {
  name: string;
  label: string;
  kind: 'text' | 'textarea' | 'datetime' | 'number' | 'select';
  required: boolean;
  placeholder?: string;
  options?: ReadonlyArray<{ value: string; label: string }>;
  value?: string;
  /** Why the last submission was refused, shown beside the input (a refused form keeps its values). */
  error?: string;
}

export interface CardForm {
  inputs: FormInput[];
  submit: { label: string; action: ActionValue };
}

export interface Card {
  /** Which card this is for a request (approval, form, notice…); with the request id it names every copy. */
  kind: string;
  title: string;
  subtitle?: string;
  status?: { text: string; tone: Tone };
  fields: CardField[];
  markdown?: string;
  buttons: CardButton[];
  form?: CardForm;
  footer?: string;
  /** Link to the request in the web UI, where a platform cannot show everything. */
  link?: string;
  /**
   * The request's files (references, no links: a link is signed for one reader, so a channel
   * that renders per reader — the simulator — asks for links itself; chat platforms list names).
   */
  attachments?: CardAttachment[];
}

/** A file on a card: its attachment id, name, sniffed type and size. */
export interface CardAttachment {
  id: string;
  name: string;
  mime: string;
  size: number;
}

export const encodeAction = (v: ActionValue): string => JSON.stringify(v);

export function decodeAction(raw: unknown): ActionValue | undefined {
  let v = raw;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.a !== 'string' || o.a.length > 32) return undefined;
  const out: ActionValue = { a: o.a };
  for (const k of ['r', 's', 't'] as const) {
    if (o[k] !== undefined) {
      if (typeof o[k] !== 'string' || (o[k] as string).length > 64) return undefined;
      out[k] = o[k] as string;
    }
  }
  return out;
}
