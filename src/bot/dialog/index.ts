// The dialog service: runs the pure engine against a person's session in Redis, and does the
// I/O the engine asks for — checking request numbers, loading a sent-back request to pre-fill
// a resubmission, and submitting through the approval service (idempotency key from the
// event that confirmed, so a retried job or a double tap creates one request).
import type { ActionValue } from '../../../cards/model.js';
import type { InboundEvent } from '../../channels/inbound.js';
import { checkLink } from '../../core/event-lifecycle.js';
import { refField, type AttachmentRef } from '../../core/fields/index.js';
import { t, tAny, type Locale } from '../../core/messages.js';
import type { MessageIntent, RequestState } from '../../core/model.js';
import type { FieldSpec, RequestTypeDef } from '../../core/request-types.js';
import type { Directory } from '../../org/directory.js';
import type { Person } from '../../org/schema.js';
import type { Approvals } from '../../services/approvals.js';
import type { RequestReads } from '../../store/requests-repo.js';
import { cardToken, DIALOG_ACTION, settledCard } from './card.js';
import type { Card } from '../../../cards/model.js';
import * as engine from './engine.js';
import { normaliseNumber } from './fields.js';
import type { DialogStore } from './store.js';
import type { DialogEnv, DialogOut, DialogSession, EngineResult, Reply } from './types.js';
import { startCommand } from './words.js';

export { createDialogStore, type DialogStore } from './store.js';
export type { DialogSession, Reply } from './types.js';
export { DIALOG_ACTION } from './card.js';
export { dialogPhase, type DialogPhase } from './phase.js';

/** Default idle timeout of a dialog. */
export const DIALOG_IDLE_MS = 30 * 60_000;

export interface DialogDeps {
  store: DialogStore;
  requests: Pick<RequestReads, 'byNumber' | 'inDepartments' | 'requestsOf' | 'timeline'>;
  dir: Directory;
  approvals: Approvals;
  locale: Locale;
  now: () => Date;
}

/** What the command handler sees of a person's dialog while it holds the lock. */
export interface DialogState {
  active: DialogSession | null;
  /** The session that just timed out (it is gone; the handler tells the person). */
  expired: DialogSession | null;
}

export interface DialogStep {
  /** The session to keep (null ends it; undefined leaves it as it was). */
  session?: DialogSession | null;
  replies: Reply[];
}

/** A confirmation card goes out with its token as `ref`, so a typed 确认/取消 can replace it later. */
const tokenOf = (card: Card) => card.buttons.find((b) => b.action.a === DIALOG_ACTION)?.action.t;
const toReplies = (out: DialogOut[]): Reply[] =>
  out.map((o) => {
    if (!('card' in o)) return { text: o.text, dm: true };
    const ref = tokenOf(o.card);
    return ref ? { card: o.card, ref } : { card: o.card };
  });

export function createDialogs(deps: DialogDeps) {
  const { dir, locale, store } = deps;
  const requests = deps.requests;
  const tell = (text: string): DialogStep => ({ replies: [{ text, dm: true }] });
  const msg = (m: MessageIntent) => t(locale, m.key, statusParams(m.params));
  /** Refusals carry raw statuses ("approved"); show them as the cards do. */
  const statusParams = (p: MessageIntent['params']) => (typeof p.status === 'string' ? { ...p, status: tAny(locale, `status.${p.status}`) } : p);

  function env(e: InboundEvent, person: Person): DialogEnv {
    return {
      now: deps.now(),
      timezone: dir.timezone,
      locale,
      platform: e.platform,
      checkRef: async (def: RequestTypeDef, _spec: FieldSpec, number: string) => {
        const s = await requests.byNumber(number);
        if (!s) return t(locale, 'dialog.ref.unknown', { number });
        const link = checkLink(s, def.id, person.id, { now: deps.now(), timezone: dir.timezone });
        return link.ok ? undefined : msg(link.message);
      },
    };
  }

  const defOf = (s: DialogSession) => dir.requestType(s.type);

  /** Events a follow-up of this type may be filed against, as a hint under the question. */
  async function refHints(def: RequestTypeDef, person: Person): Promise<Record<string, string> | undefined> {
    const field = refField(def);
    if (!field) return undefined;
    const candidates =
      def.id === 'scoring'
        ? (await requests.inDepartments([...dir.departments.keys()], ['summary_submitted'])).filter((r) => r.applicantId !== person.id)
        : (await requests.requestsOf(person.id, 30)).filter((r) => r.type === 'event');
    const fits = candidates.filter((r) => checkLink({ ...r, status: r.status } as unknown as RequestState, def.id, person.id, { now: deps.now(), timezone: dir.timezone }).ok).slice(0, 5);
    if (!fits.length) return undefined;
    const list = fits.map((r) => t(locale, 'dialog.ref.item', { number: r.number, title: r.title })).join(t(locale, 'list.separator'));
    return { [field.key]: t(locale, 'dialog.ref.choices', { list }) };
  }

  async function submit(def: RequestTypeDef, s: DialogSession, e: InboundEvent, person: Person, ev: DialogEnv): Promise<EngineResult & { number?: string }> {
    const payload: Record<string, unknown> = {};
    for (const f of def.fields) if (s.values[f.key] !== undefined) payload[f.key] = s.values[f.key];
    const key = `${e.platform}:${e.eventId}`;
    if (s.mode === 'resubmit' && s.requestId) {
      const r = await deps.approvals.act(s.requestId, { type: 'resubmit', payload }, { personId: person.id, platform: e.platform }, key);
      return r.ok ? { ...engine.submitted(s, r.state.number, ev), number: r.state.number } : engine.submitFailed(def, s, msg(r.message), ev);
    }
    const r = await deps.approvals.submit({ applicantId: person.id, type: def.id, payload, platform: e.platform, idempotencyKey: key });
    return r.ok ? { ...engine.submitted(s, r.state.number, ev), number: r.state.number } : engine.submitFailed(def, s, msg(r.message), ev);
  }

  async function run(r: EngineResult, def: RequestTypeDef, e: InboundEvent, person: Person, ev: DialogEnv, by: { clicked?: DialogSession; typed?: DialogSession } = {}): Promise<DialogStep> {
    const done: EngineResult & { number?: string } = r.submit && r.session ? await submit(def, r.session, e, person, ev) : r;
    const replies = toReplies(done.out);
    if (done.session !== null) return { session: done.session, replies };
    const outcome = done.number ? { number: done.number } : ('cancelled' as const);
    // The dialog ended: its confirmation card shows what became of it, without buttons — the
    // card clicked, or (typed 确认/取消 at the confirmation) the one posted last.
    if (by.clicked) replies.push({ replaceCard: settledCard(def, by.clicked, ev, outcome), ref: cardToken(by.clicked) });
    else if (by.typed?.phase === 'confirm') replies.push({ settleCard: settledCard(def, by.typed, ev, outcome), ref: cardToken(by.typed) });
    return { session: done.session, replies };
  }

  const gone = (): DialogStep => ({ session: null, ...tell(t(locale, 'dialog.gone')) });

  return {
    /**
     * Run `fn` with the person's dialog, under its lock. A retried event gets the replies it got
     * the first time; a session idle for longer than the timeout is handed over as `expired`.
     */
    async transact(e: InboundEvent, person: Person, fn: (state: DialogState) => Promise<DialogStep>): Promise<Reply[]> {
      return store.transact(e.platform, person.id, async (rec) => {
        if (rec.last?.eventId === e.eventId) return { record: rec, result: rec.last.replies };
        const now = deps.now();
        let active = rec.session;
        let expired: DialogSession | null = null;
        if (active && now.getTime() - Date.parse(active.updatedAt) > store.idleMs) {
          expired = active;
          active = null;
        }
        const step = await fn({ active, expired });
        let session = step.session === undefined ? active : step.session;
        // Any message in a dialog keeps it alive, a wrong answer too.
        if (session) session = { ...session, updatedAt: now.toISOString() };
        return { record: { session, last: { eventId: e.eventId, replies: step.replies } }, result: step.replies };
      });
    },

    /** Start filling in a request type. `ref` is a request number typed with the command (提交总结 A-0001). */
    async begin(e: InboundEvent, person: Person, def: RequestTypeDef, opts: { ref?: string; lead?: string[] } = {}): Promise<DialogStep> {
      const ev = env(e, person);
      const hints = await refHints(def, person);
      const ref = refField(def);
      const lead = [...(opts.lead ?? [])];
      const prefill: Record<string, unknown> = {};
      if (ref && opts.ref) {
        const number = normaliseNumber(opts.ref);
        const problem = number ? await ev.checkRef?.(def, ref, number) : t(locale, 'dialog.ref.not_a_number', { text: opts.ref });
        if (number && !problem) prefill[ref.key] = number;
        else lead.push(`❌ ${problem ?? ''}`);
      }
      const r = engine.begin(def, ev, { prefill, ...(hints ? { hints } : {}) });
      const out = lead.length ? [{ text: lead.join('\n') }, ...r.out] : r.out;
      return { session: r.session, replies: toReplies(out) };
    },

    /** 修改 A-0001 / 重新提交 A-0001: a sent-back request, pre-filled, opens on its confirmation. */
    async resume(e: InboundEvent, person: Person, number: string): Promise<DialogStep> {
      const s = await requests.byNumber(number);
      if (!s) return tell(t(locale, 'dialog.resume.unknown', { number }));
      if (s.applicantId !== person.id) return tell(t(locale, 'refuse.not_applicant'));
      if (s.status !== 'returned') return tell(t(locale, 'dialog.resume.not_returned', { number: s.number, status: t(locale, `status.${s.status}`) }));
      const def = dir.requestType(s.type);
      if (!def) return tell(t(locale, 'refuse.unknown_type', { type: s.type }));
      const returned = (await requests.timeline(s.id)).filter((x) => x.action === 'returned').at(-1);
      const reason = typeof returned?.detail.reason === 'string' ? returned.detail.reason : '';
      const who = returned?.actorId ? dir.personName(returned.actorId) : '';
      const intro = t(locale, 'dialog.resume.intro', { number: s.number, title: s.title, returned: reason ? t(locale, 'dialog.resume.returned', { who, reason }) : '' });
      const r = engine.begin(def, env(e, person), {
        mode: 'resubmit',
        requestId: s.id,
        number: s.number,
        prefill: s.payload,
        visited: def.fields.map((f) => f.key),
        intro,
      });
      return { session: r.session, replies: toReplies(r.out) };
    },

    /** A message in an open dialog. */
    async answer(s: DialogSession, e: InboundEvent, person: Person, text: string): Promise<DialogStep> {
      const def = defOf(s);
      if (!def) return gone();
      const ev = env(e, person);
      return run(await engine.reply(def, s, text, ev), def, e, person, ev, { typed: s });
    },

    /** Files sent in an open dialog (already stored): held on the files field being asked. */
    async attach(s: DialogSession, e: InboundEvent, person: Person, files: readonly AttachmentRef[]): Promise<DialogStep> {
      const def = defOf(s);
      if (!def) return gone();
      const ev = env(e, person);
      let session = s;
      const out: DialogOut[] = [];
      for (const f of files) {
        const r = engine.attach(def, session, f, ev);
        session = r.session ?? session;
        out.push(...r.out);
      }
      return { session, replies: toReplies(out) };
    },

    /** A button of the confirmation card. */
    async press(s: DialogSession | null, e: InboundEvent, person: Person, action: ActionValue): Promise<DialogStep> {
      const def = s && defOf(s);
      if (!s || !def) return gone();
      const ev = env(e, person);
      const current = action.t === cardToken(s) && s.phase === 'confirm';
      return run(engine.press(def, s, action, ev), def, e, person, ev, current ? { clicked: s } : {});
    },

    /** One line that reminds the person where their dialog stands. */
    reminder(s: DialogSession, e: InboundEvent, person: Person): string {
      const def = defOf(s);
      return def ? engine.reminder(def, s, env(e, person)) : '';
    },

    /** Another form was asked for while one is open. */
    busy(s: DialogSession, e: InboundEvent, person: Person): Reply {
      const def = defOf(s);
      const name = def ? engine.typeName(def, env(e, person)) : s.type;
      return { text: [t(locale, 'dialog.busy', { type: name }), def ? engine.reminder(def, s, env(e, person)) : ''].filter(Boolean).join('\n'), dm: true };
    },

    /** The session timed out; `restart` adds what to type to begin again. */
    expired(s: DialogSession, restart: boolean): string {
      const def = defOf(s);
      const name = def ? engine.typeName(def, { locale }) : s.type;
      const minutes = Math.round(store.idleMs / 60_000);
      const command = !restart || !def ? '' : s.mode === 'resubmit' && s.number ? t(locale, 'dialog.resubmit_command', { number: s.number }) : startCommand(def, locale);
      return t(locale, 'dialog.expired', { type: name, minutes, again: command ? t(locale, 'dialog.expired.again', { command }) : '' });
    },
  };
}

export type Dialogs = ReturnType<typeof createDialogs>;
