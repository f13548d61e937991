// The shapes of the command registry: what a command module declares, what it is given, and
// what a typed text turns into once a module has matched it.
import type { InboundEvent } from '../../channels/inbound.js';
import type { Locale, MessageKey, ParamArgs } from '../../core/messages.js';
import type { MessageIntent } from '../../core/model.js';
import type { RequestTypeDef } from '../../core/request-types.js';
import type { Directory } from '../../org/directory.js';
import type { Person, Platform } from '../../org/schema.js';
import type { Approvals } from '../../services/approvals.js';
import type { Delegations } from '../../services/delegations.js';
import type { Handover } from '../../services/handover.js';
import type { CommandReads } from '../../store/command-reads.js';
import type { Dialogs } from '../dialog/index.js';
import type { Reply } from '../dialog/types.js';

export type { Reply } from '../dialog/types.js';

export interface CommandDeps {
  /** The reads of src/store/command-reads.ts. */
  reads: CommandReads;
  dir: Directory;
  locale: Locale;
  approvals: Approvals;
  dialogs: Dialogs;
  now: () => Date;
  /**
   * The daily digest of a manager, today (src/scheduler `digestFor`). Without it 日报 says the
   * digest is not available.
   */
  digestFor?: (personId: string) => Promise<string | undefined>;
  /**
   * 催办: remind the approvers still waiting (src/scheduler `nudge`, which checks who may and
   * how often); `ref` is the request id or its number (A-0001). Without it 催办 says it is not
   * available.
   */
  nudge?: (ref: string, personId: string, platform: Platform) => Promise<{ ok: boolean; message: MessageIntent }>;
  /** 移交 (admins): hand over a person's open tasks. Without it the command says it is not available. */
  handover?: Pick<Handover, 'handOverAll'>;
  /** 委托 / 取消委托. Without it the commands say they are not available. */
  delegations?: Pick<Delegations, 'create' | 'cancelAllOf' | 'live' | 'period' | 'calendar'>;
}

/** What every command module is given: the dependencies and the reader's locale, bound. */
export interface CommandContext {
  deps: CommandDeps;
  dir: Directory;
  locale: Locale;
  text<K extends MessageKey>(key: K, ...params: ParamArgs<K>): string;
  /** A refusal or result of the services, in the reader's locale. */
  message(m: MessageIntent): string;
  typeName(def: RequestTypeDef | undefined, fallback: string): string;
  /** A time in the organisation's zone. */
  at(d: Date | string): string;
  /** " (overdue)" when the time has passed, else "". */
  overdue(due: Date | string): string;
  /** Items joined as a list reads in the locale (、 or , ). */
  list(items: string[]): string;
  /** The whole 帮助 text and the one-line help under a text not understood (from the registry). */
  helpText(): string;
  shortHelp(): string;
}

/** The person behind a message, and the message. */
export interface Call {
  e: InboundEvent;
  person: Person;
}

/** A command that opens a dialog rather than answering. */
export type Opening = { kind: 'start'; def: RequestTypeDef; ref?: string } | { kind: 'resubmit'; number: string };

/** A typed text once matched: answered at once, or a dialog to open. */
export type Invocation =
  | { command: string; personal: boolean; answer: (call: Call) => Promise<Reply[]> }
  | { command: string; open: Opening };

/** One line of 帮助 (without `what`, only a word of the short help). */
export interface HelpEntry {
  /** What to type, as shown in 帮助 (进度 A-0001). */
  usage: string;
  /** What to type, as listed in the short help (进度 <编号>). */
  short: string;
  what?: string;
}

/** One command: how it recognises a folded text, and its lines in the help. */
export interface CommandModule {
  name: string;
  match(text: string, ctx: CommandContext): Invocation | undefined;
  help(ctx: CommandContext): HelpEntry[];
}
