// The DingTalk Stream connection, supervised. `dingtalk-stream` (DWClient) speaks the protocol
// (endpoint lookup, SYSTEM ping echo, CALLBACK dispatch, ACK frames); this file owns the
// connection's life, because the SDK's own reconnect is unsafe: a fixed 1 s retry with no
// backoff, two retry loops after an error (timer storm), keep-alive intervals never cleared,
// and a pending retry that reopens the socket after disconnect(). Here the SDK's autoReconnect
// and keepAlive are off, every connection uses a fresh DWClient, and one supervisor decides:
//   - watchdog: ping every `pingIntervalMs`; no frame or pong for `silenceTimeoutMs` → terminate
//   - reconnect with exponential backoff and jitter; a connection that lived `stableAfterMs`
//     resets the backoff; a gateway "disconnect" notice reconnects at once
//   - stop(): cancels the lookup, the timers and the socket, and waits for the socket to close.
import { DWClient, TOPIC_CARD, TOPIC_ROBOT, type DWClientDownStream } from 'dingtalk-stream';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import type { ChannelHealth } from '../channel.js';
import type { DingtalkApi } from './api.js';

export interface StreamOptions {
  pingIntervalMs: number;
  silenceTimeoutMs: number;
  connectTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  stableAfterMs: number;
}

export const DEFAULT_STREAM_OPTIONS: StreamOptions = {
  pingIntervalMs: 10_000,
  silenceTimeoutMs: 35_000,
  connectTimeoutMs: 15_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  stableAfterMs: 60_000,
};

export type StreamState = 'idle' | 'connecting' | 'open' | 'backoff' | 'stopped';

/** Called for every CALLBACK frame; `ack(result)` sends the ACK frame on the frame's own socket. */
export type CallbackHandler = (topic: string, frame: DWClientDownStream, ack: (result: unknown) => void) => Promise<void>;

export const STREAM_TOPICS = [TOPIC_ROBOT, TOPIC_CARD] as const;

/** Called for every EVENT frame (contact changes); its answer is the ACK's status, sent once it resolves. */
export type EventHandler = (frame: DWClientDownStream) => Promise<'SUCCESS' | 'LATER'>;

/**
 * DWClient with the endpoint lookup pointed at our base URL (the SDK hard-codes
 * api.dingtalk.com) and hooks on every frame. The SDK keeps its socket and URL private;
 * the two casts below are the only places that reach into it.
 */
class GatewayClient extends DWClient {
  lastFrameAt = 0;
  onGatewayDisconnect?: () => void;
  onBadFrame?: (err: Error) => void;
  onEventFrame?: EventHandler;

  constructor(
    creds: { clientId: string; clientSecret: string },
    private readonly lookup: () => Promise<string>,
  ) {
    super({ ...creds, keepAlive: false, debug: false, ua: 'qianpi' });
    this.config.autoReconnect = false;
  }

  override async getEndpoint(): Promise<this> {
    (this as unknown as { dw_url: string }).dw_url = await this.lookup();
    return this;
  }

  get ws(): WebSocket | undefined {
    return (this as unknown as { socket?: WebSocket }).socket;
  }

  override onDownStream(data: string): void {
    this.lastFrameAt = Date.now();
    // The SDK JSON.parses inside the socket's message listener: a bad frame would throw there.
    try {
      super.onDownStream(data);
    } catch (err) {
      this.onBadFrame?.(err as Error);
    }
  }

  /**
   * The SDK acks an EVENT frame synchronously with whatever its listener returns; we ack only
   * once the event is queued (or LATER, so DingTalk pushes it again), in the SDK's ACK format.
   */
  override onEvent(message: DWClientDownStream): void {
    const messageId = message.headers?.messageId;
    const handler = this.onEventFrame;
    if (!handler) return void this.send(messageId, { status: 'SUCCESS' });
    handler(message).then(
      (status) => this.send(messageId, { status }),
      () => this.send(messageId, { status: 'LATER' }),
    );
  }

  override onSystem(downstream: DWClientDownStream): void {
    super.onSystem(downstream);
    if (downstream.headers?.topic === 'disconnect') this.onGatewayDisconnect?.();
  }
}

interface Connection {
  client: GatewayClient;
  abort: AbortController;
  openedAt?: number;
  lastPongAt: number;
  watchdog?: NodeJS.Timeout;
  /** The gateway announced a disconnect: reconnect without backoff. */
  retiring?: boolean;
  closed: Promise<void>;
  markClosed: () => void;
}

export interface StreamSupervisorDeps {
  clientId: string;
  clientSecret: string;
  api: DingtalkApi;
  log: Logger;
  onCallback: CallbackHandler;
  /** Contact change events: with it, the connection also subscribes to EVENT frames. */
  onEvent?: EventHandler;
  options?: Partial<StreamOptions>;
}

export class StreamSupervisor {
  private readonly o: StreamOptions;
  private state: StreamState = 'idle';
  private current?: Connection;
  private opening?: Promise<void>;
  private reconnectTimer?: NodeJS.Timeout;
  private nextAttemptAt?: number;
  private attempt = 0;
  private reconnects = 0;
  private lastError?: string;

  constructor(private readonly d: StreamSupervisorDeps) {
    this.o = { ...DEFAULT_STREAM_OPTIONS, ...d.options };
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  /** Idempotent; resolves when no socket, timer or lookup of ours is left. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const conn = this.current;
    this.current = undefined;
    if (conn) await this.close(conn);
    await this.opening?.catch(() => {});
  }

  status() {
    const now = Date.now();
    const c = this.current;
    const lastSeen = c ? Math.max(c.client.lastFrameAt, c.lastPongAt) : 0;
    return {
      state: this.state,
      reconnects: this.reconnects,
      attempt: this.attempt,
      ...(c?.openedAt ? { openForMs: now - c.openedAt } : {}),
      ...(lastSeen ? { lastSeenMsAgo: now - lastSeen } : {}),
      ...(this.state === 'backoff' && this.nextAttemptAt ? { nextAttemptInMs: Math.max(0, this.nextAttemptAt - now) } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  health(): ChannelHealth {
    const s = this.status();
    // Only the web role starts the connection; a worker-only process is not unhealthy for it.
    if (s.state === 'idle') return { ok: true, detail: 'stream not started in this process' };
    const detail = [`stream ${s.state}`, `reconnects ${s.reconnects}`];
    if (s.lastSeenMsAgo !== undefined) detail.push(`last frame ${Math.round(s.lastSeenMsAgo / 1000)} s ago`);
    if (s.nextAttemptInMs !== undefined) detail.push(`next attempt in ${Math.round(s.nextAttemptInMs / 1000)} s`);
    if (s.lastError) detail.push(`last error: ${s.lastError}`);
    return { ok: s.state === 'open', detail: detail.join(', ') };
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    const abort = new AbortController();
    let markClosed!: () => void;
    const closed = new Promise<void>((r) => (markClosed = r));
    const client = new GatewayClient({ clientId: this.d.clientId, clientSecret: this.d.clientSecret }, () => this.lookup(abort.signal));
    const conn: Connection = { client, abort, lastPongAt: 0, closed, markClosed };
    this.current = conn;
    for (const topic of STREAM_TOPICS) client.registerCallbackListener(topic, (frame) => this.dispatch(conn, frame));
    client.onGatewayDisconnect = () => this.retire(conn);
    if (this.d.onEvent) client.onEventFrame = this.d.onEvent;
    client.onBadFrame = (err) => this.d.log.warn({ err: err.message }, 'dingtalk stream: unreadable frame ignored');
    this.opening = this.open(conn).catch((err: Error) => {
      if (this.current !== conn) return; // stopped or replaced meanwhile
      this.current = undefined;
      this.lastError = err.message;
      this.d.log.warn({ err: err.message, attempt: this.attempt }, 'dingtalk stream: connection failed');
      void this.close(conn);
      this.scheduleReconnect();
    });
  }

  private async open(conn: Connection): Promise<void> {
    await conn.client.getEndpoint();
    if (this.current !== conn) throw new Error('superseded');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        conn.client._connect(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no WebSocket handshake within ${this.o.connectTimeoutMs} ms`)), this.o.connectTimeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    const ws = conn.client.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) throw new Error('socket closed during handshake');
    ws.once('close', () => this.onClosed(conn));
    if (this.current !== conn) {
      // stop() ran while the handshake was in flight.
      await this.close(conn);
      return;
    }
    ws.on('pong', () => (conn.lastPongAt = Date.now()));
    conn.openedAt = Date.now();
    conn.lastPongAt = conn.openedAt;
    conn.watchdog = setInterval(() => this.watch(conn), this.o.pingIntervalMs);
    this.state = 'open';
    this.lastError = undefined;
    this.d.log.info({ reconnects: this.reconnects }, 'dingtalk stream: connected');
  }

  /** The gateway endpoint and ticket, from our configured base URL. */
  private async lookup(signal: AbortSignal): Promise<string> {
    const res = await this.d.api.raw(
      'POST',
      '/v1.0/gateway/connections/open',
      {
        clientId: this.d.clientId,
        clientSecret: this.d.clientSecret,
        ua: 'qianpi',
        subscriptions: [...STREAM_TOPICS.map((topic) => ({ type: 'CALLBACK', topic })), ...(this.d.onEvent ? [{ type: 'EVENT', topic: '*' }] : [])],
      },
      {},
      signal,
    );
    const b = res.body as { endpoint?: unknown; ticket?: unknown; code?: unknown; message?: unknown };
    if (!res.ok || typeof b.endpoint !== 'string' || typeof b.ticket !== 'string') {
      throw new Error(`gateway lookup failed: HTTP ${res.status} ${String(b.code ?? '')} ${String(b.message ?? '')}`.trim());
    }
    return `${b.endpoint}${b.endpoint.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(b.ticket)}`;
  }

  private watch(conn: Connection): void {
    const ws = conn.client.ws;
    if (!ws || this.current !== conn) return;
    const silentFor = Date.now() - Math.max(conn.client.lastFrameAt, conn.lastPongAt);
    if (silentFor > this.o.silenceTimeoutMs) {
      this.lastError = `gateway silent for ${Math.round(silentFor / 1000)} s`;
      this.d.log.warn({ silentForMs: silentFor }, 'dingtalk stream: no frame or pong, dropping the connection');
      ws.terminate();
      return;
    }
    try {
      ws.ping();
    } catch {
      // closing already; the close handler takes over
    }
  }

  private dispatch(conn: Connection, frame: DWClientDownStream): void {
    const messageId = frame.headers?.messageId;
    const ack = (result: unknown) => {
      if (!messageId) return;
      const ws = conn.client.ws;
      if (!ws || ws.readyState !== WebSocket.OPEN) {
        this.d.log.info({ messageId }, 'dingtalk stream: socket gone before the ACK; DingTalk will redeliver');
        return;
      }
      conn.client.socketCallBackResponse(messageId, result);
    };
    this.d.onCallback(frame.headers?.topic ?? '', frame, ack).catch((err: Error) => this.d.log.error({ err, messageId }, 'dingtalk stream: callback handler failed'));
  }

  private retire(conn: Connection): void {
    if (this.current !== conn || conn.retiring) return;
    this.d.log.info('dingtalk stream: gateway announced a disconnect, reconnecting');
    conn.retiring = true;
    void this.close(conn);
  }

  private onClosed(conn: Connection): void {
    if (conn.watchdog) clearInterval(conn.watchdog);
    conn.watchdog = undefined;
    conn.markClosed();
    if (this.current !== conn || this.state === 'stopped') return;
    this.current = undefined;
    const lived = Date.now() - (conn.openedAt ?? Date.now());
    if (conn.retiring || lived >= this.o.stableAfterMs) this.attempt = 0;
    this.reconnects++;
    this.d.log.warn({ livedMs: lived, retiring: Boolean(conn.retiring) }, 'dingtalk stream: connection closed');
    this.scheduleReconnect(conn.retiring ? 0 : undefined);
  }

  private scheduleReconnect(delay?: number): void {
    if (this.state === 'stopped') return;
    const cap = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** this.attempt);
    // "Equal jitter": at least half the backoff, so replicas do not reconnect in lockstep.
    const wait = delay ?? Math.round(cap / 2 + (Math.random() * cap) / 2);
    this.attempt = Math.min(this.attempt + 1, 30);
    this.state = 'backoff';
    this.nextAttemptAt = Date.now() + wait;
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
  }

  /** Cancel the lookup, close the socket (terminate if the close handshake hangs) and wait. */
  private async close(conn: Connection): Promise<void> {
    conn.abort.abort();
    if (conn.watchdog) clearInterval(conn.watchdog);
    conn.watchdog = undefined;
    const ws = conn.client.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) {
      conn.markClosed();
      return;
    }
    ws.once('close', () => conn.markClosed());
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    else ws.terminate();
    const grace = setTimeout(() => ws.terminate(), 1_000);
    await conn.closed;
    clearTimeout(grace);
  }
}
