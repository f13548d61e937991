// The action callback of our Feishu third-party approval (三方快捷审批回调): an approver pressed
// 同意 / 拒绝 in Feishu's approval centre (alone, or many at once with batch approval — one
// callback per task). Verified by the definition's `action_callback_token` (inside `encrypt`
// when the definition has an `action_callback_key`: AES-256-CBC with SHA-256(key), the IV being
// the first block, as Feishu's events), normalised into the same card click our buttons produce
// and handed to ingest, which pre-checks, queues and answers well within Feishu's 10 s. The
// worker decides through the approval core, so every chat card and both centres are updated
// from the outbox. A refused action (the task was closed meanwhile) re-syncs the instance, so the
// centre stops offering it. docs/channels/feishu.md#approval-centre
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { IngestResult } from '../../channel.js';
import type { InboundCardAction } from '../../inbound.js';
import { t, type Locale } from '../../../core/messages.js';
import type { KnownTask } from '../../../core/centre.js';
import { createDecryptor, safeEqual } from '../crypto.js';

export const FEISHU_CENTRE_CALLBACK_PATH = '/webhooks/feishu/approval-centre';
const BODY_LIMIT = 64 * 1024;

const callbackSchema = z.object({
  action_type: z.enum(['APPROVE', 'REJECT']),
  action_context: z.string().optional(),
  user_id: z.string().optional(),
  approval_code: z.string(),
  instance_id: z.string().optional(),
  task_id: z.string().optional(),
  /** The task id when the action comes from a search result. */
  id: z.string().optional(),
  message_id: z.union([z.string(), z.number()]).optional(),
  reason: z.string().optional(),
  token: z.string(),
});

export interface CentreCallbackDeps {
  token: string;
  /** The definition's action_callback_key: callbacks then arrive as `{encrypt}`. */
  key?: string;
  approvalCode: () => string;
  /** The task as we last synced it (undefined: not ours). */
  task(requestId: string, taskKey: string): Promise<KnownTask | undefined>;
  openId(personId: string): string | undefined;
  ingest(event: InboundCardAction): Promise<IngestResult>;
  /** Queue a re-sync of the instance (a refused action: show Feishu the current state). */
  resync(requestId: string): Promise<void>;
  locale: Locale;
  log: Logger;
  now?: () => Date;
}

type Answer = { status: number; body: Record<string, unknown> };
/** Feishu shows `message` to the approver when the HTTP status is above 400 and `without_prefix` is "true". */
const fail = (status: number, message: string): Answer => ({ status, body: { message, without_prefix: 'true' } });
const OK: Answer = { status: 200, body: { code: 0, msg: 'ok' } };

export function createCentreCallbackHandler(deps: CentreCallbackDeps) {
  const decrypt = deps.key ? createDecryptor(deps.key) : undefined;

  return async function handle(raw: Buffer | undefined): Promise<Answer> {
    let body: unknown;
    try {
      body = JSON.parse(raw?.toString('utf8') ?? '');
      if (body && typeof body === 'object' && typeof (body as { encrypt?: unknown }).encrypt === 'string') {
        if (!decrypt) return fail(400, 'encrypted callback but no key configured');
        body = JSON.parse(decrypt((body as { encrypt: string }).encrypt));
      } else if (decrypt) {
        return fail(400, 'callback must be encrypted');
      }
    } catch {
      return fail(400, 'malformed callback');
    }
    const parsed = callbackSchema.safeParse(body);
    if (!parsed.success) {
      // Authenticate before saying what is wrong with it.
      const tok = (body as { token?: unknown } | null)?.token;
      if (typeof tok !== 'string' || !safeEqual(tok, deps.token)) return fail(401, 'bad token');
      return fail(400, `invalid callback: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    }
    const cb = parsed.data;
    if (!safeEqual(cb.token, deps.token)) return fail(401, 'bad token');
    if (cb.approval_code !== deps.approvalCode()) return fail(400, 'unknown approval_code');
    const requestId = cb.instance_id ?? cb.action_context;
    const taskKey = cb.task_id ?? cb.id;
    if (!requestId || !taskKey) return fail(400, 'instance_id and task_id are required');

    const task = await deps.task(requestId, taskKey);
    if (!task) return fail(404, 'unknown task');
    const action = cb.action_type === 'APPROVE' ? 'approve' : 'reject';
    const senderId = deps.openId(task.personId);
    if (!senderId) return fail(403, 'the approver is not on Feishu');
    // One event per task and action: Feishu's retry of this callback is a duplicate.
    const reason = cb.reason?.trim() ?? '';
    const event: InboundCardAction = {
      kind: 'card_action',
      platform: 'feishu',
      eventId: `centre:${requestId}:${taskKey}:${cb.action_type}`,
      receivedAt: (deps.now?.() ?? new Date()).toISOString(),
      senderId,
      action: { a: action, r: requestId, s: task.stepId },
      form: action === 'reject' ? { reason: reason || t(deps.locale, 'centre.reason.from_centre') } : reason ? { comment: reason } : {},
    };
    const r = await deps.ingest(event);
    deps.log.info({ requestId, task: taskKey, action, status: r.status }, 'feishu approval centre action');
    if (r.status === 'accepted' || r.status === 'duplicate') return OK;
    if (r.status === 'unavailable') return fail(503, 'busy, retry');
    await deps.resync(requestId).catch((err: unknown) => deps.log.warn({ err, requestId }, 'could not queue the centre re-sync'));
    return fail(409, r.feedback?.text ?? 'refused');
  };
}

export function registerCentreCallbackRoute(app: FastifyInstance, handle: ReturnType<typeof createCentreCallbackHandler>): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post(FEISHU_CENTRE_CALLBACK_PATH, { bodyLimit: BODY_LIMIT }, async (req, reply) => {
      const r = await handle(Buffer.isBuffer(req.body) ? req.body : undefined);
      return reply.code(r.status).send(r.body);
    });
  });
}
