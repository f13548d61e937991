// Slow clients (#13 item 10): sockets that trickle their headers or body, or say nothing, are
// closed by the server's timeouts, and connections beyond the cap are refused at once.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

const REQUEST_TIMEOUT_MS = 1_500;
const MAX_CONNECTIONS = 120;
let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await startTestApp({ HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS), HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS), ADMIN_TOKEN: 'test-admin-token-0123456789' });
  port = Number(new URL(t.url).port);
});
afterAll(() => t?.close());

interface Slow {
  socket: Socket;
  closedAt?: number;
  answer: string;
}

/** Opens `n` sockets; each sends `head` at once, then `drip` one byte every 200 ms until closed. */
async function openSlow(n: number, head: string, drip: string): Promise<Slow[]> {
  return Promise.all(
    Array.from({ length: n }, () => new Promise<Slow>((resolve) => {
      const s: Slow = { socket: connect(port, '127.0.0.1'), answer: '' };
      let i = 0;
      const timer = setInterval(() => {
        if (!s.socket.destroyed && drip) s.socket.write(drip[i++ % drip.length]!);
      }, 200);
      s.socket.on('data', (d) => (s.answer += d.toString()));
      s.socket.on('error', () => {});
      s.socket.on('close', () => {
        clearInterval(timer);
        s.closedAt = Date.now();
      });
      s.socket.on('connect', () => {
        if (head) s.socket.write(head);
        resolve(s);
      });
    })),
  );
}

const allClosed = (socks: Slow[]) => waitFor('every slow socket closed', async () => socks.every((s) => s.closedAt !== undefined), 20_000);

describe('slow clients', () => {
  it('closes sockets that trickle their headers', async () => {
    const started = Date.now();
    const socks = await openSlow(100, 'GET /healthz HTTP/1.1\r\n', 'x-slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    await allClosed(socks);
    const slowest = Math.max(...socks.map((s) => s.closedAt! - started));
    // headersTimeout = requestTimeout here, checked every requestTimeout / 4.
    expect(slowest).toBeLessThan(REQUEST_TIMEOUT_MS * 4);
  });

  it('closes sockets that trickle a body with 408', async () => {
    const started = Date.now();
    const head = 'POST /api/requests HTTP/1.1\r\nhost: x\r\nauthorization: Bearer test-admin-token-0123456789\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"a":"';
    const socks = await openSlow(60, head, 'bbbbbbbbbbbbbbbb');
    await allClosed(socks);
    expect(Math.max(...socks.map((s) => s.closedAt! - started))).toBeLessThan(REQUEST_TIMEOUT_MS * 4);
    expect(socks.filter((s) => s.answer.startsWith('HTTP/1.1 408')).length).toBeGreaterThan(50);
  });

  it('closes sockets that say nothing', async () => {
    const started = Date.now();
    const socks = await openSlow(50, '', '');
    await allClosed(socks);
    expect(Math.max(...socks.map((s) => s.closedAt! - started))).toBeLessThan(REQUEST_TIMEOUT_MS * 4);
  });

  it('refuses connections beyond the cap at once and serves again afterwards', async () => {
    const started = Date.now();
    const socks = await openSlow(MAX_CONNECTIONS + 40, 'GET /healthz HTTP/1.1\r\n', 'x');
    await allClosed(socks);
    // Closed before any timeout could have fired: refused by the cap.
    const early = socks.filter((s) => s.closedAt! - started < REQUEST_TIMEOUT_MS).length;
    expect(early).toBeGreaterThanOrEqual(40);
    const ok = await fetch(`${t.url}/healthz`);
    expect(ok.status).toBe(200);
  });
});
