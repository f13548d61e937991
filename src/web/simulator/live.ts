// The live feed: history on every (re)connect, then each new or changed message over SSE.
import { api, errorText } from './api.js';
import { requestRef } from './card.js';
import { refreshDialog, renderConversationList } from './conversations.js';
import { $ } from './dom.js';
import { scheduleDrawerRefresh } from './drawer.js';
import { tr } from './i18n.js';
import { markSeen, renderMessages, upsert } from './messages.js';
import { state } from './state.js';
import { toast } from './toast.js';
import type { SimMessage } from './types.js';

function onLiveMessage(m: SimMessage): void {
  const added = upsert(m);
  if (m.conversation === state.active) {
    if (added) renderMessages();
    markSeen(state.active);
  }
  renderConversationList();
  // The bot answered in the DM: a dialog may have begun, moved on or ended.
  if (m.sender === 'bot' && m.conversation === `dm:${state.me}`) scheduleDialogRefresh();
  // Keep an open detail drawer current when its request's card changes.
  const d = state.drawer;
  if (m.kind === 'card' && d) {
    const ref = requestRef(m.card || {});
    if (ref && (ref === d.ref || ref === d.request?.id || ref === d.request?.number || (m.card?.title || '').includes(d.request?.number ?? '\u0000'))) scheduleDrawerRefresh();
  }
}

let dialogTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleDialogRefresh(): void {
  clearTimeout(dialogTimer);
  dialogTimer = setTimeout(() => void refreshDialog().catch(() => undefined), 100);
}

async function loadHistory(gen: number): Promise<void> {
  const data = await api<{ messages: SimMessage[] }>('GET', `/api/sim/history?as=${encodeURIComponent(state.me)}`);
  if (gen !== state.gen) return;
  let added = false;
  for (const m of data.messages) added = upsert(m) || added;
  renderMessages({ scroll: added ? 'bottom' : 'auto' });
  scheduleDialogRefresh();
  markSeen(state.active);
  renderConversationList();
}

type ConnectionState = 'live' | 'connecting' | 'offline';
const CONNECTION_TEXT = { live: 'sim.conn.live', connecting: 'sim.conn.connecting', offline: 'sim.conn.offline' } as const;

function setConn(s: ConnectionState): void {
  const el = $('conn');
  el.dataset.state = s;
  el.querySelector('span')!.textContent = tr(CONNECTION_TEXT[s]);
}

/** Open the live feed; on every `ready` (first connect and each reconnect) reload history. */
export function connect(gen: number): void {
  state.source?.close();
  const es = new EventSource(`/api/sim/stream?as=${encodeURIComponent(state.me)}`);
  state.source = es;
  setConn('connecting');
  es.addEventListener('ready', () => {
    if (gen !== state.gen) return;
    setConn('live');
    loadHistory(gen).catch((err: unknown) => toast(tr('sim.history_failed', { error: errorText(err) }), 'error'));
  });
  es.addEventListener('message', (e) => {
    if (gen !== state.gen) return;
    try {
      onLiveMessage(JSON.parse(e.data as string) as SimMessage);
    } catch (err) {
      console.error('bad SSE message', err);
    }
  });
  es.addEventListener('error', () => {
    if (gen === state.gen) setConn(es.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
  });
}
