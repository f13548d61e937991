// A fake DingTalk Stream gateway: a local WebSocket server speaking the Stream protocol frames
// (SYSTEM ping / disconnect, CALLBACK frames with headers {topic, messageId, contentType} and a
// JSON-string `data`), which the real `dingtalk-stream` client connects to. It records every
// upstream frame (ACKs, ping echoes), and can drop connections or go silent (accept the socket,
// then answer neither WebSocket pings nor anything else).
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { FAKE_CLIENT_ID } from './dingtalk-server.js';

export interface UpstreamFrame {
  code?: number;
  headers?: { messageId?: string; contentType?: string; topic?: string };
  message?: string;
  data?: string;
}

export interface GatewayConnection {
  id: string;
  ws: WebSocket;
  ticket: string;
  closed: boolean;
  /** Resolves when the socket is closed (by either side). */
  whenClosed: Promise<void>;
  frames: UpstreamFrame[];
}

export interface FakeStreamGateway {
  /** Goes into the fake API's gatewayEndpoint. */
  endpoint: string;
  connections: GatewayConnection[];
  /** Stop answering WebSocket pings (a half-dead connection). */
  silent: boolean;
  openConnections(): GatewayConnection[];
  waitForConnections(count: number, ms?: number): Promise<GatewayConnection>;
  /** Push a CALLBACK frame to the newest open connection; returns its messageId. */
  sendCallback(topic: string, data: unknown, opts?: { messageId?: string; to?: GatewayConnection }): string;
  sendSystem(topic: 'ping' | 'disconnect' | 'KEEPALIVE', opts?: { to?: GatewayConnection }): string;
  /** Push an EVENT frame (e.g. a contact change) as the Stream protocol does; returns its messageId. */
  sendEvent(eventType: string, data: unknown, opts?: { eventId?: string; to?: GatewayConnection }): string;
  sendRaw(text: string, to?: GatewayConnection): void;
  waitForAck(messageId: string, ms?: number): Promise<UpstreamFrame & { connection: GatewayConnection; response: unknown }>;
  dropAll(): void;
  close(): Promise<void>;
}

const waitUntil = async <T>(fn: () => T | undefined, ms: number, what: string): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

export async function startFakeStreamGateway(opts: { acceptTicket: (ticket: string) => boolean; appId?: string }): Promise<FakeStreamGateway> {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/connect',
    // Pongs are ours to answer, so a test can make the gateway go silent.
    autoPong: false,
    verifyClient: (info: { req: { url?: string } }) => {
      const ticket = new URL(info.req.url ?? '/', 'ws://x').searchParams.get('ticket') ?? '';
      return opts.acceptTicket(ticket);
    },
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const { port } = wss.address() as AddressInfo;

  const g: FakeStreamGateway = {
    endpoint: `ws://127.0.0.1:${port}/connect`,
    connections: [],
    silent: false,
    openConnections: () => g.connections.filter((c) => !c.closed),
    waitForConnections: (count, ms = 5000) => waitUntil(() => (g.connections.length >= count ? g.connections[count - 1] : undefined), ms, `${count} gateway connections`),
    sendCallback(topic, data, o = {}) {
      const to = o.to ?? g.openConnections().at(-1);
      if (!to) throw new Error('no open gateway connection');
      const messageId = o.messageId ?? randomUUID();
      to.ws.send(
        JSON.stringify({
          specVersion: '1.0',
          type: 'CALLBACK',
          headers: { appId: opts.appId ?? 'fake-app', connectionId: to.id, contentType: 'application/json', messageId, time: String(Date.now()), topic },
          data: JSON.stringify(data),
        }),
      );
      return messageId;
    },
    sendEvent(eventType, data, o = {}) {
      const to = o.to ?? g.openConnections().at(-1);
      if (!to) throw new Error('no open gateway connection');
      const messageId = randomUUID();
      to.ws.send(
        JSON.stringify({
          specVersion: '1.0',
          type: 'EVENT',
          headers: {
            appId: opts.appId ?? 'fake-app', connectionId: to.id, contentType: 'application/json', messageId, time: String(Date.now()), topic: eventType,
            eventType, eventId: o.eventId ?? randomUUID(), eventBornTime: String(Date.now()), eventCorpId: 'dingcorp', eventUnifiedAppId: 'fake-unified-app',
          },
          data: JSON.stringify(data),
        }),
      );
      return messageId;
    },
    sendSystem(topic, o = {}) {
      const to = o.to ?? g.openConnections().at(-1);
      if (!to) throw new Error('no open gateway connection');
      const messageId = randomUUID();
      to.ws.send(
        JSON.stringify({
          specVersion: '1.0',
          type: 'SYSTEM',
          headers: { connectionId: to.id, contentType: 'application/json', messageId, time: String(Date.now()), topic },
          data: JSON.stringify({ opaque: randomUUID() }),
        }),
      );
      return messageId;
    },
    sendRaw(text, to) {
      const c = to ?? g.openConnections().at(-1);
      if (!c) throw new Error('no open gateway connection');
      c.ws.send(text);
    },
    waitForAck: (messageId, ms = 5000) =>
      waitUntil(
        () => {
          for (const c of g.connections) {
            const f = c.frames.find((x) => x.headers?.messageId === messageId && x.code !== undefined);
            if (f) {
              const data = f.data ? (JSON.parse(f.data) as { response?: unknown }) : {};
              return { ...f, connection: c, response: data.response };
            }
          }
          return undefined;
        },
        ms,
        `ACK of ${messageId}`,
      ),
    dropAll() {
      for (const c of g.openConnections()) c.ws.terminate();
    },
    async close() {
      for (const c of g.connections) c.ws.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };

  wss.on('connection', (ws, req) => {
    const ticket = new URL(req.url ?? '/', 'ws://x').searchParams.get('ticket') ?? '';
    let markClosed!: () => void;
    const conn: GatewayConnection = { id: randomUUID(), ws, ticket, closed: false, whenClosed: new Promise((r) => (markClosed = r)), frames: [] };
    g.connections.push(conn);
    ws.on('ping', (data) => {
      if (!g.silent) ws.pong(data);
    });
    ws.on('message', (raw) => {
      try {
        conn.frames.push(JSON.parse(String(raw)) as UpstreamFrame);
      } catch {
        conn.frames.push({ message: `unparseable: ${String(raw).slice(0, 100)}` });
      }
    });
    ws.on('close', () => {
      conn.closed = true;
      markClosed();
    });
    ws.on('error', () => {});
  });

  return g;
}

/** A text message from 李明 to the robot, as the Stream gateway delivers it: in the approvals group, or in his DM with the robot. */
export const robotMessage = (msgId: string, text = '待办', group = true) => ({
  conversationId: group ? 'cid_east_approvals' : 'cid_p2p_liming',
  conversationType: group ? '2' : '1',
  msgId,
  senderStaffId: 'dt_liming',
  senderNick: '李明',
  robotCode: FAKE_CLIENT_ID,
  msgtype: 'text',
  text: { content: ` ${text}` },
  sessionWebhook: 'https://oapi.dingtalk.com/robot/sendBySession?session=x',
});
