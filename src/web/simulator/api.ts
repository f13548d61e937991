// Calls to the server: JSON in and out, actions posted as the current person, their acks shown.
import { randomId } from './dom.js';
import { tr } from './i18n.js';
import { state } from './state.js';
import { toast } from './toast.js';
import type { Ack, ActionValue } from './types.js';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly data: { error?: string; issues?: string[] } | null,
  ) {
    super(message);
  }
}

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  type Body = Record<string, unknown> & { error?: string; issues?: string[] };
  let data = null as Body | null;
  try {
    data = (await res.json()) as Body;
  } catch {
    /* empty or non-JSON body */
  }
  // An action's ack (refused, unavailable) is an answer, not an error.
  if (!res.ok && !(data && typeof data.status === 'string')) throw new ApiError(data?.error || `HTTP ${res.status}`, res.status, data);
  return data as T;
}

/** POST /api/sim/actions as the current person; returns the ack ({status, feedback?}). */
export async function postAction({ messageId = null, action, form }: { messageId?: number | null; action: ActionValue; form?: Record<string, string> | undefined }): Promise<Ack> {
  const body = { as: state.me, messageId, action, clientId: randomId(), ...(form ? { form } : {}) };
  try {
    return await api<Ack>('POST', '/api/sim/actions', body);
  } catch (err) {
    return { status: 'error', feedback: { text: errorText(err), tone: 'error' } };
  }
}

export function errorText(err: unknown): string {
  if (!(err instanceof ApiError)) return (err as Error | undefined)?.message || tr('sim.error.network');
  if (err.status === 403) return tr('sim.error.forbidden');
  if (err.status === 400) return tr('sim.error.bad_request', { issues: (err.data?.issues || [err.message]).join(tr('sim.separator')) });
  if (err.status >= 500) return tr('sim.error.unavailable');
  return err.message || tr('sim.error.network');
}

/** Show the server's feedback for an action ack as a toast. */
export function showAck(ack: Ack, fallback = tr('sim.ack.submitted')): void {
  if (ack.feedback?.text) toast(ack.feedback.text, ack.feedback.tone);
  else if (ack.status === 'accepted') toast(fallback, 'success');
  else if (ack.status === 'duplicate') toast(tr('sim.ack.duplicate'), 'info');
  else if (ack.status === 'unavailable') toast(tr('sim.error.unavailable'), 'error');
  else toast(tr('sim.ack.failed'), 'error');
}

export const ok = (ack: Ack): boolean => ack.status === 'accepted' || ack.status === 'duplicate';
