// The simulator's receiver and its live feed. Like the platform receivers it only validates,
// normalises and hands events to ingest; the browser gets updates over SSE fed by Redis pub/sub.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { formCard } from '../../cards/form.js';
import { decodeAction } from '../../cards/model.js';
import type { Locale } from '../core/messages.js';
import type { AttachmentRef } from '../core/fields/index.js';
import multipart from '@fastify/multipart';
import { anyObject, errorReplies, refId, text, zodScope } from '../http/schemas.js';
import type { Directory } from '../org/directory.js';
import type { DialogPhase } from '../bot/dialog/phase.js';
import type { Ingest } from '../bot/ingest.js';
import { sanitizeInput, type InboundCardAction, type InboundEvent } from '../channels/inbound.js';
import { submitsForm } from '../bot/form-submit.js';
import { dmConversation, roomConversation, type SimChat, type SimMessage } from './chat.js';

export interface SimRouteDeps {
  chat: SimChat;
  dir: Directory;
  ingest: Ingest;
  /** A dedicated connection for SUBSCRIBE (a subscribed connection can do nothing else). */
  subscriber: () => Redis;
  locale: Locale;
  /** The demo clock is on (a simulator-only instance): the page shows its control. */
  demoClock?: boolean;
  /** Where the person's dialog in their DM stands (the page offers its words as chips). */
  dialogOf?: (personId: string) => Promise<DialogPhase>;
  /** A link to an attachment signed for one person (src/services/attachments.ts). */
  fileLink?: (attachmentId: string, personId: string) => Promise<string>;
  /** Stores a file the person sends for the files field their dialog asks (src/services/attachments.ts). */
  receiveFile?: (personId: string, name: string, bytes: AsyncIterable<Uint8Array>) => Promise<{ ok: true; ref: AttachmentRef } | { ok: false; status: 404 | 409 | 413 | 415 | 422; message: string }>;
}

// Strings are checked like the API's (no NUL, control characters or unpaired surrogates): they are stored in Postgres.
const asQuery = z.object({ as: refId });
const messageBody = z.object({
  as: refId,
  conversation: z.string().regex(/^(dm|room):[a-z0-9_-]+$/),
  // Normalised like every platform's text before anything is stored (the message is written before ingest sees it).
  text: z.preprocess((v) => (typeof v === 'string' ? sanitizeInput(v) : v), z.string().trim().min(1).max(4000)),
  clientId: text(64).pipe(z.string().min(8)).optional(),
});
const actionBody = z.object({
  as: refId,
  messageId: z.number().int().positive().nullable().optional(),
  action: z.unknown(),
  form: z.record(text(64), text(5000)).optional(),
  clientId: text(64).pipe(z.string().min(8)).optional(),
});

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const BOT_MENTION = /@(签批助手|签批|bot|qianpi)/i;

export function simRoutes(deps: SimRouteDeps) {
  const { dir, chat } = deps;
  const visible = (personId: string) => [dmConversation(personId), ...dir.roomsOf(personId).map((r) => roomConversation(r.id))];
  const clients = new Set<{ personId: string; reply: FastifyReply; conversations: Set<string> }>();
  let sub: Redis | undefined;

  function ensureSubscribed() {
    if (sub) return;
    sub = deps.subscriber();
    void sub.subscribe(chat.channel);
    sub.on('message', (_ch, raw: string) => {
      const m = JSON.parse(raw) as SimMessage;
      for (const c of clients) if (c.conversations.has(m.conversation)) c.reply.raw.write(`event: message\ndata: ${raw}\n\n`);
    });
  }

  return function register(http: FastifyInstance): void {
    const app = zodScope(http);
    const tags = ['simulator'];
    // Open event streams would keep server.close() waiting forever: end them first.
    app.addHook('preClose', async () => {
      for (const c of clients) c.reply.raw.end();
      clients.clear();
    });
    app.addHook('onClose', async () => {
      await sub?.quit().catch(() => sub?.disconnect());
    });

    const person = (id: string) => {
      const p = dir.person(id);
      if (!p) throw Object.assign(new Error(`unknown person "${id}"`), { statusCode: 404 });
      return p;
    };

    /** Hands what `as` did to ingest, as a platform receiver would; 503 while it cannot be queued. */
    const handIn = async (reply: FastifyReply, ok: number, body: { as: string; clientId?: string | undefined }, event: DistributiveOmit<InboundEvent, 'platform' | 'eventId' | 'receivedAt' | 'senderId'>) => {
      const result = await deps.ingest({ ...event, platform: 'local', eventId: body.clientId ?? randomUUID(), receivedAt: new Date().toISOString(), senderId: body.as });
      return reply.code(result.status === 'unavailable' ? 503 : ok).send(result);
    };

    app.get('/api/sim/bootstrap', { schema: { summary: "The simulator page's start-up data: the organisation, its people and rooms", tags, response: { 200: anyObject } } }, async () => ({
      organisation: dir.org.organisation.name,
      locale: deps.locale,
      timezone: dir.timezone,
      people: dir.org.people.map((p) => ({ id: p.id, name: p.name, title: p.title ?? '', dept: p.dept, deptName: dir.departments.get(p.dept)?.name ?? p.dept })),
      rooms: dir.org.rooms.map((r) => ({ id: r.id, name: r.name, members: r.members })),
      requestTypes: dir.submittableTypes().map((t) => ({ id: t.id, name: t.name, nameEn: t.nameEn })),
      demoClock: deps.demoClock === true,
    }));

    app.get('/api/sim/history', { schema: { summary: 'The chat history a person sees (their DM and rooms)', tags, querystring: asQuery, response: { 200: z.object({ messages: z.array(anyObject) }), ...errorReplies } } }, async (req) => {
      const { as } = req.query;
      person(as);
      return { messages: await chat.history(visible(as)) };
    });

    app.get('/api/sim/dialog', { schema: { summary: "Where the person's form dialog stands (the page's chips)", tags, querystring: asQuery, response: { 200: anyObject, ...errorReplies } } }, async (req) => {
      const { as } = req.query;
      person(as);
      return deps.dialogOf ? deps.dialogOf(as) : { phase: null, back: false, skip: false };
    });

    app.get('/api/sim/forms/:type', { schema: { summary: "A request type's form card", tags, params: z.object({ type: refId }), response: { 200: anyObject, ...errorReplies } } }, async (req, reply) => {
      const def = dir.requestType(req.params.type);
      if (!def || !dir.workflowFor(def.id)) return reply.code(404).send({ error: 'unknown request type' });
      return formCard(def, deps.locale);
    });

    app.get('/api/sim/stream', { schema: { summary: 'Live chat messages for a person (text/event-stream)', tags, querystring: asQuery } }, (req, reply) => {
      const { as } = req.query;
      person(as);
      ensureSubscribed();
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      reply.raw.write(`event: ready\ndata: {}\n\n`);
      const client = { personId: as, reply, conversations: new Set(visible(as)) };
      clients.add(client);
      const keepAlive = setInterval(() => reply.raw.write(`: ping\n\n`), 20_000);
      req.raw.on('close', () => {
        clearInterval(keepAlive);
        clients.delete(client);
      });
    });

    app.post('/api/sim/messages', { schema: { summary: 'A person types a message in a DM or room', tags, body: messageBody, response: { ...errorReplies, 202: anyObject, 503: anyObject } } }, async (req, reply) => {
      const { body } = req;
      person(body.as);
      if (!visible(body.as).includes(body.conversation)) return reply.code(403).send({ error: 'not a member of this conversation' });
      await chat.append(body.conversation, body.as, { text: body.text });
      const isRoom = body.conversation.startsWith('room:');
      return handIn(reply, 202, body, {
        kind: 'message',
        chat: isRoom ? { type: 'group', id: body.conversation.slice(5) } : { type: 'dm', id: body.as },
        text: body.text.replace(BOT_MENTION, '').trim(),
        mentioned: !isRoom || BOT_MENTION.test(body.text),
      });
    });

    // A file sent in the DM (the composer's upload): stored for the dialog's files field, then
    // handed in as a message carrying its reference, as a platform's file message would be.
    const receiveFile = deps.receiveFile;
    if (receiveFile) {
      void app.register(async (scope) => {
        await scope.register(multipart, { limits: { fileSize: 200 * 1024 * 1024, files: 1, fields: 0 } });
        const fileQuery = z.object({ as: refId, clientId: text(64).pipe(z.string().min(8)).optional() });
        // The body is one multipart file part (not a JSON schema); the query is declared.
        scope.post('/api/sim/files', { schema: { summary: 'A person sends a file in their DM (the dialog files field asking for it)', tags, querystring: fileQuery, response: { ...errorReplies, 413: anyObject, 415: anyObject, 202: anyObject } } }, async (req, reply) => {
          const q = fileQuery.parse(req.query);
          person(q.as);
          const part = await req.file();
          if (!part) return reply.code(422).send({ error: 'no file' });
          const got = await receiveFile(q.as, part.filename, part.file.iterator({ destroyOnReturn: false }));
          if (!got.ok) {
            for await (const _ of part.file) {
              // drained: busboy waits for every part to be read
            }
            return reply.code(got.status).send({ error: got.message });
          }
          const label = `📎 ${got.ref.name}`;
          // Shown in the chat as a file (a card of kind `file` carrying the reference; the page asks for its link).
          await chat.append(dmConversation(q.as), q.as, { card: { kind: 'file', title: label, fields: [], buttons: [], attachments: [got.ref] } });
          return handIn(reply, 202, q, { kind: 'message', chat: { type: 'dm', id: q.as }, text: label, mentioned: true, attachments: [got.ref] });
        });
      });
    }

    // A file's signed link for the person viewing (images and file names in the page point here):
    // the link itself still refuses people who may not see the file's request.
    const fileLink = deps.fileLink;
    if (fileLink) {
      app.get('/api/sim/files/:id', { schema: { summary: 'Redirects to an attachment through a link signed for the person (`as`)', tags, params: z.object({ id: z.uuid() }), querystring: asQuery } }, async (req, reply) => {
        person(req.query.as);
        return reply.header('cache-control', 'private, no-store').redirect(await fileLink(req.params.id, req.query.as), 302);
      });
    }

    app.post('/api/sim/actions', { schema: { summary: 'A person clicks a card button or submits a card form', tags, body: actionBody, response: { ...errorReplies, 200: anyObject, 422: anyObject, 503: anyObject } } }, async (req, reply) => {
      const { body } = req;
      person(body.as);
      const action = decodeAction(body.action);
      if (!action) return reply.code(400).send({ error: 'malformed action value' });
      let message: SimMessage | undefined;
      if (body.messageId) {
        message = await chat.get(body.messageId);
        if (!message || !visible(body.as).includes(message.conversation)) return reply.code(403).send({ error: 'you cannot see this card' });
      }
      const card: DistributiveOmit<InboundCardAction, 'platform' | 'eventId' | 'receivedAt' | 'senderId'> = {
        kind: 'card_action',
        action,
        ...(body.form ? { form: body.form } : {}),
        ...(message ? { message: { messageId: String(message.id), chatId: message.conversation } } : {}),
      };
      if (submitsForm(action)) {
        // A form is judged now: 422 with every field's error (the form stays open with its
        // values), or 200 once the request exists, confirmed in the applicant's DM too.
        const result = await deps.ingest.submitForm({ ...card, platform: 'local', eventId: body.clientId ?? randomUUID(), receivedAt: new Date().toISOString(), senderId: body.as });
        if (result.status === 'accepted' && result.feedback) await chat.append(dmConversation(body.as), 'bot', { text: result.feedback.text });
        return reply.code(result.status === 'refused' ? 422 : 200).send(result);
      }
      return handIn(reply, 200, body, card);
    });
  };
}
