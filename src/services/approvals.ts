// The approval service: validates input, locks the request row, asks the pure core for the
// transition and persists it (state + steps + decisions + audit + outbox) in one transaction.
import { createHash } from 'node:crypto';
import { checkLink, eventTrigger, followUpFacts } from '../core/event-lifecycle.js';
import type { Action, ActorRef, Origin, RequestState, Transition, TransitionOk } from '../core/model.js';
import type { MessageKey } from '../core/messages.js';
import { orgText } from '../core/org-text.js';
import { act as coreAct, advance, recalculateDeadline, submit as coreSubmit, type CoreContext, type LifecycleTrigger } from '../core/lifecycle.js';
import { refField } from '../core/fields/index.js';
import { activeAt, routeTasks, type ActiveDelegations } from '../core/delegation.js';
import { handOver, type HandoverInput } from '../core/handover.js';
import { payloadSchema, type Payload } from '../core/request-types.js';
import type { Directory } from '../org/directory.js';
import type { Database, DbOrTx } from '../store/db.js';
import { delegationsInForce } from '../store/delegations-repo.js';
import { applyTransition, claimProcessedEvent, ConcurrentUpdateError, loadRequest, loadRequestByNumber, loadRequests, nextNumber, processedEventExists } from '../store/requests-repo.js';

export interface ApprovalsDeps {
  database: Database;
  dir: Directory;
  now: () => Date;
  dueAt?: (spec: string, from: Date) => Date;
  /** Called after a transaction that wrote outbox rows commits (the relay picks them up at once). */
  onCommitted?: () => void;
  /**
   * Run inside the transaction of every applied transition (the scheduler writes its timers
   * here, so a deadline exists exactly when the state that needs it does).
   */
  onTransition?: Array<(tx: DbOrTx, t: TransitionOk) => Promise<void>>;
}

export type SubmitResult = { ok: true; state: RequestState; duplicate: boolean } | Extract<Transition, { ok: false }>;

const refusal = (code: 'invalid' | 'wrong_state' | 'unknown_request', key: MessageKey, params: Record<string, string | number> = {}) =>
  ({ ok: false, code, message: { key, params } }) as const;

/** A stable uuid for an idempotency key, so a retried submit finds the request it created. */
export function idFromKey(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

async function alreadyProcessed(tx: DbOrTx, key: string | undefined, requestId: string): Promise<boolean> {
  return !!key && !(await claimProcessedEvent(tx, key, requestId));
}

export function createApprovals(deps: ApprovalsDeps) {
  const { database, dir } = deps;
  const ctxFor = (type: string, delegations?: ActiveDelegations): CoreContext | undefined => {
    const wf = dir.workflowFor(type);
    return wf ? { dir, wf, now: deps.now(), ...(deps.dueAt ? { dueAt: deps.dueAt } : {}), ...(delegations ? { delegations } : {}) } : undefined;
  };
  /** Delegations in force now (one small query; read in the transaction that acts on them). */
  const delegationsNow = async (db: DbOrTx) => {
    const now = deps.now();
    return activeAt(await delegationsInForce(db, now), now);
  };
  const names = (ids: string[]) => ids.map((p) => dir.personName(p)).join(orgText(dir, 'list.separator'));
  /** Task cards and task notices go to the delegates in force (src/core/delegation.ts); the step keeps its approvers. */
  const routed = (t: TransitionOk, active: ActiveDelegations): TransitionOk => (active.size ? { ...t, effects: routeTasks(t.effects, t.state.applicantId, active, names) } : t);

  function validate(type: string, payload: Payload) {
    const def = dir.requestType(type);
    if (!def) return { error: refusal('invalid', 'refuse.unknown_type', { type }) };
    const parsed = payloadSchema(def).safeParse(payload);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((i) => orgText(dir, 'text.label_value', { label: def.fields.find((f) => f.key === i.path[0])?.label ?? String(i.path[0] ?? ''), value: i.message }))
        .join(orgText(dir, 'list.clause_separator'));
      return { error: refusal('invalid', 'refuse.invalid_form', { problems }) };
    }
    return { def, payload: parsed.data as Payload };
  }

  async function runHooks(tx: DbOrTx, t: TransitionOk): Promise<void> {
    for (const hook of deps.onTransition ?? []) await hook(tx, t);
  }

  /** Advance the event a follow-up belongs to, in the follow-up's transaction. */
  async function moveEvent(tx: DbOrTx, event: RequestState, child: RequestState, submittedNow: boolean, actor: ActorRef | null): Promise<void> {
    const trigger = eventTrigger(child.type, child.status, submittedNow);
    const ctx = trigger && ctxFor(event.type);
    if (!trigger || !ctx) return;
    const t = advance(event, trigger, ctx, actor, child);
    if (!t.ok) return; // already there (e.g. summary filed before the end-of-event prompt)
    await applyTransition(tx, event.version, t);
    await runHooks(tx, t);
  }

  async function submit(input: {
    applicantId: string;
    type: string;
    payload: Payload;
    platform: Origin;
    idempotencyKey?: string;
    parentId?: string;
    urgent?: boolean;
  }): Promise<SubmitResult> {
    if (!dir.person(input.applicantId)) return { ok: false, code: 'unknown_person', message: { key: 'refuse.unknown_person', params: {} } };
    const v = validate(input.type, input.payload);
    if (v.error) return v.error;
    if (!dir.workflowFor(input.type)) return refusal('invalid', 'refuse.no_workflow', { type: v.def.name });
    const id = input.idempotencyKey ? idFromKey(input.idempotencyKey) : crypto.randomUUID();
    const existing = input.idempotencyKey ? await loadRequest(database.db, id) : undefined;
    if (existing) return { ok: true, state: existing, duplicate: true };
    const titleValue = v.def.titleField ? v.payload[v.def.titleField] : undefined;
    const ownTitle = typeof titleValue === 'string' ? titleValue : orgText(dir, 'request.default_title', { applicant: dir.personName(input.applicantId), type: v.def.name });
    try {
      const state = await database.db.transaction(async (tx) => {
        // A follow-up (summary, scoring, reimbursement) locks its event and moves it along.
        const follows = refField(v.def);
        const ref = follows ? v.payload[follows.key] : undefined;
        const event = typeof ref === 'string' ? await loadRequestByNumber(tx, ref, { forUpdate: true }) : undefined;
        const link = checkLink(event, input.type, input.applicantId, { now: deps.now(), timezone: dir.timezone });
        if (!link.ok) return refusal('wrong_state', link.message.key, link.message.params);
        const parentId = event?.id ?? input.parentId;
        // A follow-up is named after its event ("A-0003 冬季车主答谢会"), on every card and list.
        const title = event && !v.def.titleField ? orgText(dir, 'request.follow_up_title', { number: event.number, title: event.title }) : ownTitle;
        const active = await delegationsNow(tx);
        const ctx = ctxFor(input.type, active)!;
        const plan = (number: string) =>
          coreSubmit(
            ctx,
            { id, number, type: input.type, title, applicantId: input.applicantId, payload: v.payload, urgent: input.urgent ?? false, ...(parentId ? { parentId } : {}) },
            input.platform,
            followUpFacts(event, v.payload),
          );
        // Refused (a step nobody can approve) before a number is drawn: nothing at all is stored.
        const dry = plan('');
        if (!dry.ok) return dry;
        const planned = plan(await nextNumber(tx, v.def.prefix));
        if (!planned.ok) return planned;
        const t = routed(planned, active);
        await applyTransition(tx, -1, t, { isNew: true, ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}) });
        await runHooks(tx, t);
        if (event) await moveEvent(tx, event, t.state, true, { personId: input.applicantId, platform: input.platform });
        return t.state;
      });
      if ('message' in state) return state;
      deps.onCommitted?.();
      return { ok: true, state, duplicate: false };
    } catch (err) {
      // Two deliveries of the same submit raced: the loser finds the winner's request.
      const again = await loadRequest(database.db, id);
      if (again) return { ok: true, state: again, duplicate: true };
      throw err;
    }
  }

  /**
   * A retry of a transition that was applied (its response lost) is refused when judged again
   * against the state it produced (already decided, step closed…): answer it as a duplicate
   * instead. Checked after the transaction, outside the row lock: the lock was taken after the
   * original committed, so its processed_events row is visible by now.
   */
  async function replayed(s: RequestState, key: string): Promise<(TransitionOk & { duplicate: true }) | undefined> {
    if (!(await processedEventExists(database.db, key))) return undefined;
    return { ok: true, state: s, effects: [], audit: [], decisions: [], feedback: { key: 'feedback.duplicate', params: {} }, duplicate: true };
  }

  /** Run a transition under the row lock; retries a compare-and-set conflict a few times. */
  async function transition(
    requestId: string,
    compute: (s: RequestState, ctx: CoreContext) => Transition,
    idempotencyKey?: string,
  ): Promise<Transition & { duplicate?: boolean }> {
    for (let attempt = 0; ; attempt++) {
      try {
        let judged: RequestState | undefined;
        const result = await database.db.transaction(async (tx) => {
          const s = await loadRequest(tx, requestId, { forUpdate: true });
          if (!s) return refusal('unknown_request', 'refuse.unknown_request');
          judged = s;
          const active = await delegationsNow(tx);
          const ctx = ctxFor(s.type, active);
          if (!ctx) return refusal('invalid', 'refuse.no_workflow', { type: s.type });
          const computed = compute(s, ctx);
          if (!computed.ok) return computed;
          const t = routed(computed, active);
          if (await alreadyProcessed(tx, idempotencyKey, requestId)) return { ...t, state: s, effects: [], audit: [], decisions: [], duplicate: true };
          await applyTransition(tx, s.version, t, idempotencyKey ? { idempotencyKey } : {});
          await runHooks(tx, t);
          // Lock the event only when this change moves it.
          if (t.state.parentId && t.state.status !== s.status && eventTrigger(t.state.type, t.state.status, false)) {
            const event = await loadRequest(tx, t.state.parentId, { forUpdate: true });
            if (event) await moveEvent(tx, event, t.state, false, null);
          }
          return t;
        });
        if (result.ok && !('duplicate' in result && result.duplicate)) deps.onCommitted?.();
        if (!result.ok && idempotencyKey && judged) return (await replayed(judged, idempotencyKey)) ?? result;
        return result;
      } catch (err) {
        if (err instanceof ConcurrentUpdateError && attempt < 5) continue;
        throw err;
      }
    }
  }

  return {
    /** The clock transitions are judged by (the app's, so a demo or test clock moves forms too). */
    now: deps.now,
    submit,
    validate,
    act: (requestId: string, action: Action, actor: ActorRef, idempotencyKey?: string) =>
      transition(requestId, (s, ctx) => coreAct(s, action, actor, ctx), idempotencyKey),
    advance: (requestId: string, trigger: LifecycleTrigger, actor: ActorRef | null = null, idempotencyKey?: string) =>
      transition(requestId, (s, ctx) => advance(s, trigger, ctx, actor), idempotencyKey),
    /** Move a person's open slots on one request to another (src/core/handover.ts). */
    handOver: (requestId: string, input: HandoverInput, idempotencyKey: string) => transition(requestId, (s, ctx) => handOver(s, input, ctx), idempotencyKey),
    /** Count the open step's deadline again under the current calendar (see recalculateDeadline). */
    recalculateDeadline: (requestId: string, change: Parameters<typeof recalculateDeadline>[2], idempotencyKey: string) =>
      transition(requestId, (s, ctx) => recalculateDeadline(s, ctx, change), idempotencyKey),
    /**
     * What these actions would do now, without doing them (the receivers' instant answer to a
     * click). One load for all of them: a burst of clicks costs one set of queries.
     */
    async previewMany(items: Array<{ requestId: string; action: Action; actor: ActorRef }>): Promise<Transition[]> {
      if (!items.length) return [];
      const [states, active] = await Promise.all([loadRequests(database.db, items.map((i) => i.requestId)), delegationsNow(database.db)]);
      return items.map(({ requestId, action, actor }) => {
        const s = states.get(requestId);
        if (!s) return refusal('unknown_request', 'refuse.unknown_request');
        const ctx = ctxFor(s.type, active);
        if (!ctx) return refusal('invalid', 'refuse.no_workflow', { type: s.type });
        return coreAct(s, action, actor, ctx);
      });
    },
    load: (id: string) => loadRequest(database.db, id),
  };
}

export type Approvals = ReturnType<typeof createApprovals>;
