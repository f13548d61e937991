// Redis connection. With REDIS_URL unset: use 127.0.0.1:6379 if it answers, otherwise start a
// private redis-server under DATA_DIR (stopped with the service), otherwise say how to fix it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

export interface RedisHandle {
  url: string;
  /** A fresh connection; BullMQ workers need their own (blocking commands). */
  connect(opts?: RedisOptions): Redis;
  close(): Promise<void>;
  privateServer: boolean;
}

async function answers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 800, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const freePort = () =>
  new Promise<number>((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });

async function startPrivate(dataDir: string, log: Logger): Promise<{ url: string; child: ChildProcess }> {
  const dir = resolve(join(dataDir, 'redis'));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // AOF on and noeviction: queues and dedupe keys must not silently disappear.
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null) break;
    if (await answers(url)) {
      log.info({ url, dir }, 'started a private redis-server');
      return { url, child };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new RedisUnavailableError(`could not start redis-server on port ${port}`);
}

export async function openRedis(opts: { url?: string; dataDir: string; log: Logger }): Promise<RedisHandle> {
  let url = opts.url ?? DEFAULT_REDIS_URL;
  let child: ChildProcess | undefined;
  if (!opts.url && !(await answers(url))) {
    const onPath = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
    if (!onPath) {
      throw new RedisUnavailableError(
        `no Redis answers at ${DEFAULT_REDIS_URL} and redis-server is not installed. ` +
          'Install it (apt-get install redis-server / brew install redis), start one, or set REDIS_URL.',
      );
    }
    ({ url, child } = await startPrivate(opts.dataDir, opts.log));
  } else if (opts.url && !(await answers(url))) {
    throw new RedisUnavailableError(`Redis at REDIS_URL (${url.replace(/:[^:@/]*@/, ':***@')}) does not answer`);
  }
  const conns = new Set<Redis>();
  return {
    url,
    privateServer: !!child,
    connect(extra: RedisOptions = {}) {
      const r = new Redis(url, { maxRetriesPerRequest: null, ...extra });
      r.on('error', (err) => opts.log.warn({ err: err.message }, 'redis connection error'));
      conns.add(r);
      r.once('end', () => conns.delete(r));
      return r;
    },
    async close() {
      await Promise.allSettled([...conns].map((c) => c.quit().catch(() => c.disconnect())));
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      }
    },
  };
}
