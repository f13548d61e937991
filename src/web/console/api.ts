// The console's calls to /api/console: the session cookie goes along by itself; state-changing
// calls carry the CSRF token the session gave.
export interface Person { id: string; name: string; dept: string; deptName: string }
export interface Session {
  signedIn: boolean;
  person: Person | null;
  admin: boolean;
  csrf: string;
  locale: 'zh-CN' | 'en';
  organisation: string;
  methods: { simulator: boolean; admin: boolean };
  people: Person[];
  departments: Array<{ id: string; name: string }>;
  types: Array<{ id: string; name: string }>;
}
export interface Row {
  id: string; number: string; typeName: string; title: string; status: string; statusText: string;
  applicantName: string; deptName: string; createdAt: string; stepName: string | null; waitingOn: string[]; dueAt: string | null; overdue: boolean;
}
export interface Detail {
  request: { id: string; number: string; title: string; status: string; steps: Array<{ id: string; name: string; status: string; approvers: string[]; dueAt?: string | null }> };
  card: { title?: string; fields?: Array<{ label: string; value: string }> };
  timeline: Array<{ at: string; action: string; actorId: string | null; detail: Record<string, unknown> }>;
  people: Record<string, string>;
  canAct: string[];
}

let csrf = '';

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { ...(method !== 'GET' ? { 'x-csrf-token': csrf } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await r.json().catch(() => ({}))) as T & { error?: string; csrf?: string };
  if (!r.ok) throw new ApiError(r.status, json.error ?? String(r.status));
  if (json.csrf) csrf = json.csrf;
  return json;
}

export const api = {
  session: () => call<Session>('GET', '/api/console/session'),
  signInAs: (personId: string) => call<{ csrf: string }>('POST', '/api/console/sign-in/simulator', { personId }),
  signInAdmin: (token: string) => call<{ csrf: string }>('POST', '/api/console/sign-in/admin', { token }),
  signOut: () => call<{ ok: true }>('POST', '/api/console/sign-out'),
  list: (query: string) => call<{ items: Row[]; next: string | null }>('GET', `/api/console/requests?${query}`),
  detail: (ref: string) => call<Detail>('GET', `/api/console/requests/${encodeURIComponent(ref)}`),
  act: (ref: string, body: Record<string, string>) => call<{ feedback: string }>('POST', `/api/console/requests/${encodeURIComponent(ref)}/actions`, body),
  dashboard: (query: string) => call<{ byStatus: Record<string, number>; byType: Record<string, number>; overdue: number }>('GET', `/api/console/dashboard?${query}`),
};
