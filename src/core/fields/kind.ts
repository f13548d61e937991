// What a field kind is: everything the product does with one kind of value (validate it, read
// it from typed text, show it on a card and in a chat, ask for it in a card form and in a
// dialog). Each kind is one module beside this one, listed in the registry; nothing else
// switches on a kind.
import type { z } from 'zod';
import type { FormInput } from '../../../cards/model.js';
import type { Locale } from '../i18n/index.js';
import type { ParseResult, Unsure } from '../parse/index.js';
import type { FieldSpec, RequestTypeDef } from './types.js';

/** How typed text is read: card forms, the API, dialog answers. */
export interface FieldContext {
  now: Date;
  timezone: string;
  locale: Locale;
  /**
   * The field is a future one (see futureOnly): a day of the month without its month
   * ("15号") is the next such day, not the nearer past one.
   */
  future?: boolean;
}

export interface FieldReading {
  value: unknown;
  /** Why the reading is not certain (money and budget only); empty when it is. */
  unsure: Unsure[];
}

/** Where a value is shown: in the reader's locale, times in the organisation's zone. */
export interface ShowContext {
  locale: Locale;
  timezone: string;
}

/** A dialog answer read in the conversation: what it sets, and the line that acknowledges it. */
export type FieldAnswer = { ok: true; set: Record<string, unknown>; unset?: string[]; ack: string } | { ok: false; error: string };

export interface AnswerContext extends FieldContext {
  def: RequestTypeDef;
  /** The values answered so far. */
  values: Readonly<Record<string, unknown>>;
  /** The dialog's acknowledgement of one stored value ("已记录「…」：…"). */
  saved: (key: string, value: unknown) => string;
}

export interface FieldKind {
  readonly name: string;
  /** The value's schema in a stored payload; messages in `locale`. */
  schema(spec: FieldSpec, locale: Locale): z.ZodType;
  /** Read non-empty, trimmed typed text (card form, API, dialog). */
  read(spec: FieldSpec, text: string, ctx: FieldContext): ParseResult<FieldReading>;
  /** A stored (non-empty) value on a card. */
  format(spec: FieldSpec, value: unknown, ctx: ShowContext): string;
  /** A stored value read back in a chat (acknowledgements, the dialog's confirmation); default `format`. */
  readBack?(spec: FieldSpec, value: unknown, ctx: ShowContext): string;
  /** The input a card form shows. */
  input: FormInput['kind'];
  /** A card form cannot hold it (files): the form leaves it out and says how to add it. */
  form?: false;
  /** The value is files the person sends (attachments): a dialog collects them from file messages. */
  files?: true;
  /** Long values span the card's width. */
  wide: boolean;
  /** The dialog asks to choose (a list) rather than to enter. */
  choose?: boolean;
  /** The lines under the dialog's question: what is expected, with an example. */
  hint(spec: FieldSpec, def: RequestTypeDef, locale: Locale): string;
  /**
   * A dialog answer read with what only a conversation has (earlier answers, a one-line
   * rule); without it the dialog uses `read` and reads an unsure reading back.
   */
  answer?(spec: FieldSpec, raw: string, ctx: AnswerContext): FieldAnswer;
  /** How an unsure reading is refused where nobody can be asked back, and read back where one can. */
  unsure?: {
    refusal(spec: FieldSpec, reasons: string, locale: Locale): string;
    readBack(value: unknown, locale: Locale): string;
  };
  /** The value is the number of another request (a follow-up's event). */
  refersToRequest?: boolean;
  /** A problem of a field's declaration in the organisation file (path below the field, message). */
  check?(spec: Omit<FieldSpec, 'labelEn'>): { path: string; message: string } | undefined;
}
