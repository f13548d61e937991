// The console's sign-in session: an encrypted, HTTP-only, SameSite=Lax cookie
// (@fastify/secure-session), a CSRF token kept in the session and required as `x-csrf-token` on
// every state-changing call, and sign-in attempts rate-limited (@fastify/rate-limit, in Redis so
// every replica counts together).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySecureSession from '@fastify/secure-session';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

export const SESSION_COOKIE = 'qianpi_session';
/** Sessions last a working week; signing in again renews. */
const SESSION_SECONDS = 5 * 24 * 3600;
/** Sign-in attempts per client address and sign-in method. */
export const SIGN_IN_LIMIT = { max: 20, timeWindow: 60_000, keyGenerator: (req: FastifyRequest) => `${req.ip}:${req.routeOptions.url ?? ''}` };

/** Who is signed in: a person of the organisation, or the local admin (no person: reads all, acts as nobody). */
export interface Viewer {
  personId?: string;
  admin: boolean;
}

interface SessionFields {
  /** The person signed in. */
  p?: string;
  /** Signed in as the local admin. */
  a?: boolean;
  /** The CSRF token of this session. */
  c?: string;
}

declare module '@fastify/secure-session' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the plugin's declaration-merging point
  interface SessionData extends SessionFields {}
}

/**
 * The session key: SESSION_SECRET, else derived from ADMIN_TOKEN (stable across restarts and
 * replicas), else random (sessions end with the process; logged).
 */
export function sessionKey(secret: string | undefined, adminToken: string | undefined, log: Logger): Buffer {
  if (secret) return createHash('sha256').update(`qianpi-session:${secret}`).digest();
  if (adminToken) return createHash('sha256').update(`qianpi-session-from-admin-token:${adminToken}`).digest();
  log.warn('console sessions use a random key: set SESSION_SECRET (or ADMIN_TOKEN) so they survive a restart and work across replicas');
  return randomBytes(32);
}

export async function registerSession(scope: FastifyInstance, opts: { key: Buffer; secure: boolean; redis: Redis; prefix: string }): Promise<void> {
  await scope.register(fastifySecureSession, {
    key: opts.key,
    cookieName: SESSION_COOKIE,
    expiry: SESSION_SECONDS,
    cookie: { path: '/', httpOnly: true, sameSite: 'lax', secure: opts.secure, maxAge: SESSION_SECONDS },
  });
  await scope.register(fastifyRateLimit, { global: false, redis: opts.redis, nameSpace: `${opts.prefix}:rl:` });
  // Every state-changing call carries the session's CSRF token (a cross-site form cannot read it).
  scope.addHook('preHandler', async (req, reply) => {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    const want = field(req, 'c');
    const given = req.headers['x-csrf-token'];
    if (!want || typeof given !== 'string' || !same(given, want)) return reply.code(403).send({ error: 'missing or wrong CSRF token (x-csrf-token)', code: 'csrf' });
  });
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
const field = <K extends keyof SessionFields>(req: FastifyRequest, k: K): SessionFields[K] | undefined => req.session.get(k);

/** The session's CSRF token, made on first use. */
export function csrfToken(req: FastifyRequest): string {
  let c = field(req, 'c');
  if (!c) {
    c = randomBytes(18).toString('base64url');
    req.session.set('c', c);
  }
  return c;
}

export function viewerOf(req: FastifyRequest): Viewer | undefined {
  const p = field(req, 'p');
  const a = field(req, 'a') === true;
  if (!p && !a) return undefined;
  return { ...(p ? { personId: p } : {}), admin: a };
}

/** Signs in: a fresh session (no fixation) with a fresh CSRF token. */
export function signIn(req: FastifyRequest, who: { personId?: string; admin?: boolean }): string {
  req.session.regenerate();
  if (who.personId) req.session.set('p', who.personId);
  if (who.admin) req.session.set('a', true);
  return csrfToken(req);
}

export function signOut(req: FastifyRequest): void {
  req.session.delete();
}

/** 401 unless someone is signed in; hands the viewer on. */
export function requireViewer(req: FastifyRequest, reply: FastifyReply): Viewer | undefined {
  const v = viewerOf(req);
  if (!v) void reply.code(401).send({ error: 'sign in first', code: 'unauthenticated' });
  return v;
}
