// A tiny client for the simulator's HTTP API, as the browser uses it.
import { randomUUID } from 'node:crypto';
import type { SimMessage } from '../../src/simulator/chat.js';
import type { RequestState } from '../../src/core/model.js';

export interface RequestDetail {
  request: RequestState;
  timeline: Array<{ action: string; actorId: string | null; platform: string | null; detail: Record<string, unknown> }>;
}

export function simClient(base: string) {
  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  return {
    history: async (as: string) => ((await (await fetch(`${base}/api/sim/history?as=${as}`)).json()) as { messages: SimMessage[] }).messages,
    say: (as: string, conversation: string, text: string) => post('/api/sim/messages', { as, conversation, text, clientId: randomUUID() }),
    act: (as: string, messageId: number | null, action: unknown, form?: Record<string, string>, clientId: string = randomUUID()) =>
      post('/api/sim/actions', { as, messageId, action, form, clientId }),
    request: async (id: string) => (await fetch(`${base}/api/requests/${id}`)).json() as Promise<RequestDetail>,
  };
}

export const EVENT_FORM: Record<string, string> = {
  name: '冬季车主答谢会',
  category: 'regular',
  eventType: '客户答谢会',
  format: '晚宴',
  start: '2027-03-20T18:00',
  end: '2027-03-20T21:00',
  location: '杭州西湖国宾馆',
  content: '新车介绍、抽奖、晚宴',
  headcount: '80',
  participants: '老车主 60 人',
  budget: '场地 8000, 餐饮 12000',
  purpose: '回馈老客户',
  runSheet: '18:00 签到；18:30 致辞',
  safety: '消防检查，急救箱',
  onSiteLead: '李明',
};
