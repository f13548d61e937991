// A fake DingTalk open API (api.dingtalk.com v1.0) on 127.0.0.1: access tokens, the Stream
// gateway lookup, interactive cards (createAndDeliver, PUT update, callback registration) and
// robot messages; with a company, also the old oapi host's contact APIs (dingtalk-contacts.ts).
// It records every request, checks request shapes the way DingTalk documents them (every
// cardParamMap value a string, openSpaceId matching its deliver model…) and can be told to fail.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Company } from './company.js';
import { dingtalkContacts, type DingtalkContacts } from './dingtalk-contacts.js';
import { latency, RateLimitLog, second, type Realism } from './rate-limits.js';
import { dingtalkProcessCentre, sendVia, type FakeProcessCentre } from './dingtalk-process-centre.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** When it arrived (ms). */
  at: number;
}

export interface CardInstance {
  outTrackId: string;
  cardTemplateId: string;
  openSpaceId: string;
  callbackType: string;
  params: Record<string, string>;
  updates: number;
}

interface Injected {
  status: number;
  body: unknown;
  times: number;
  /** Do the work, then answer with the failure (a reply lost on the way back). */
  after: boolean;
}

export interface FakeDingtalkServer {
  url: string;
  requests: RecordedRequest[];
  /** Request shape violations the fake found (tests assert this stays empty). */
  shapeErrors: string[];
  cards: Map<string, CardInstance>;
  groupMessages: Array<Record<string, unknown>>;
  userMessages: Array<Record<string, unknown>>;
  tokensIssued: number;
  /** Where /v1.0/gateway/connections/open points clients (the fake Stream gateway). */
  gatewayEndpoint?: string;
  /** Tickets handed out by the gateway lookup (the fake gateway accepts only these). */
  tickets: Set<string>;
  /** Answer the next `times` requests to `path` with this status and body (`after`: handle the request first). */
  fail(path: string, status: number, body: unknown, times?: number, opts?: { after?: boolean }): void;
  clearFailures(): void;
  /** Every issued token becomes invalid (DingTalk answers 401 InvalidAuthentication). */
  revokeTokens(): void;
  /** Make oTo sends report these users as invalid / flow-controlled. */
  invalidStaff: Set<string>;
  flowControlled: Set<string>;
  /** The oapi contact APIs' ids and knobs (when started with a company). */
  contacts?: DingtalkContacts;
  /** Calls admitted and refused under the documented rate limits (with `realism.limits`). */
  limits: RateLimitLog;
  /** OA 审批 process centre (三方流程): templates, instances, tasks (钉钉待办). */
  processCentre: FakeProcessCentre;
  close(): Promise<void>;
}

export const FAKE_CLIENT_ID = 'dingfakeappkey';
export const FAKE_CLIENT_SECRET = 'fake-app-secret-0123456789';

const SPACE = /^dtv1\.card\/\/(IM_GROUP|IM_ROBOT)\.(.+)$/;

export async function startFakeDingtalk(opts: { clientId?: string; clientSecret?: string; robotCode?: string; company?: Company; realism?: Realism } = {}): Promise<FakeDingtalkServer> {
  const clientId = opts.clientId ?? FAKE_CLIENT_ID;
  const clientSecret = opts.clientSecret ?? FAKE_CLIENT_SECRET;
  const contacts = opts.company ? dingtalkContacts(opts.company, { clientId, clientSecret }) : undefined;
  const robotCode = opts.robotCode ?? clientId;
  const valid = new Set<string>();
  const injected = new Map<string, Injected[]>();
  let seq = 0;

  const state: Omit<FakeDingtalkServer, 'url' | 'close'> = {
    requests: [],
    shapeErrors: [],
    cards: new Map(),
    groupMessages: [],
    userMessages: [],
    tokensIssued: 0,
    tickets: new Set(),
    invalidStaff: new Set(),
    flowControlled: new Set(),
    limits: new RateLimitLog(),
    ...(contacts ? { contacts } : {}),
    processCentre: dingtalkProcessCentre(),
    fail(path, status, body, times = 1, o = {}) {
      const list = injected.get(path) ?? [];
      list.push({ status, body, times, after: o.after ?? false });
      injected.set(path, list);
    },
    clearFailures() {
      injected.clear();
    },
    revokeTokens() {
      valid.clear();
    },
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const shape = (res: ServerResponse, problem: string) => {
    state.shapeErrors.push(problem);
    send(res, 400, { code: 'InvalidParameter', message: problem, requestid: `req-${++seq}` });
  };
  const authed = (req: IncomingMessage, res: ServerResponse): boolean => {
    const token = req.headers['x-acs-dingtalk-access-token'];
    if (typeof token === 'string' && valid.has(token)) return true;
    send(res, 401, { code: 'InvalidAuthentication', message: '不合法的access_token', requestid: `req-${++seq}` });
    return false;
  };

  function handle(req: IncomingMessage, res: ServerResponse, path: string, body: Record<string, unknown>): void {
    const list = injected.get(path);
    const inj = list?.[0];
    if (inj) {
      if (--inj.times <= 0) list.shift();
      if (!inj.after) return send(res, inj.status, inj.body);
      // Let the real handler work against a response that is thrown away.
      const sink = { writeHead: () => sink, end: () => sink } as unknown as ServerResponse;
      route(req, sink, path, body);
      return send(res, inj.status, inj.body);
    }
    route(req, res, path, body);
  }

  function route(req: IncomingMessage, res: ServerResponse, path: string, body: Record<string, unknown>): void {
    const oapi = contacts?.answer(req.method ?? 'GET', path, Object.fromEntries(new URL(req.url ?? '/', 'http://fake').searchParams), body);
    if (oapi) return send(res, 200, oapi);
    if (path.startsWith('/v1.0/workflow/processCentres/')) {
      if (!authed(req, res)) return;
      if (state.processCentre.handle(req.method ?? 'GET', path, body, sendVia(res))) return;
    }
    switch (`${req.method} ${path}`) {
      case 'POST /v1.0/oauth2/accessToken': {
        if (body.appKey !== clientId || body.appSecret !== clientSecret) return send(res, 400, { code: 'invalidClientIdOrSecret', message: '无效的clientId或者clientSecret' });
        const token = `tok-${++state.tokensIssued}-${Math.random().toString(36).slice(2, 8)}`;
        valid.add(token);
        return send(res, 200, { accessToken: token, expireIn: 7200 });
      }
      case 'POST /v1.0/gateway/connections/open': {
        if (body.clientId !== clientId || body.clientSecret !== clientSecret) return send(res, 401, { code: 'InvalidAuthentication', message: 'bad client credentials' });
        const subs = body.subscriptions;
        if (!Array.isArray(subs) || subs.some((s) => typeof s?.type !== 'string' || typeof s?.topic !== 'string')) return shape(res, 'gateway: subscriptions must be [{type, topic}]');
        if (!state.gatewayEndpoint) return send(res, 503, { code: 'ServiceUnavailable', message: 'no gateway' });
        const ticket = `ticket-${++seq}-${Math.random().toString(36).slice(2, 8)}`;
        state.tickets.add(ticket);
        return send(res, 200, { endpoint: state.gatewayEndpoint, ticket });
      }
      case 'POST /v1.0/card/instances/createAndDeliver': {
        if (!authed(req, res)) return;
        const b = body as Record<string, unknown> & { cardData?: { cardParamMap?: Record<string, unknown> } };
        for (const k of ['cardTemplateId', 'outTrackId', 'openSpaceId']) if (typeof b[k] !== 'string' || !b[k]) return shape(res, `createAndDeliver: ${k} must be a non-empty string`);
        if (b.callbackType !== 'STREAM' && b.callbackType !== 'HTTP') return shape(res, `createAndDeliver: callbackType ${String(b.callbackType)}`);
        if (b.callbackType === 'HTTP' && typeof b.callbackRouteKey !== 'string') return shape(res, 'createAndDeliver: HTTP callbacks need callbackRouteKey');
        const map = b.cardData?.cardParamMap;
        if (!map || typeof map !== 'object') return shape(res, 'createAndDeliver: cardData.cardParamMap missing');
        const notString = Object.entries(map).filter(([, v]) => typeof v !== 'string');
        if (notString.length) return shape(res, `createAndDeliver: cardParamMap values must be strings: ${notString.map(([k]) => k).join(', ')}`);
        const m = SPACE.exec(b.openSpaceId as string);
        if (!m) return shape(res, `createAndDeliver: openSpaceId ${String(b.openSpaceId)}`);
        const [, spaceType, spaceId] = m;
        if (spaceType === 'IM_GROUP') {
          const dm = b.imGroupOpenDeliverModel as { robotCode?: unknown } | undefined;
          if (dm?.robotCode !== robotCode) return shape(res, 'createAndDeliver: IM_GROUP needs imGroupOpenDeliverModel.robotCode');
        } else {
          const dm = b.imRobotOpenDeliverModel as { spaceType?: unknown } | undefined;
          if (dm?.spaceType !== 'IM_ROBOT') return shape(res, 'createAndDeliver: IM_ROBOT needs imRobotOpenDeliverModel.spaceType = IM_ROBOT');
        }
        if (state.cards.has(b.outTrackId as string)) return send(res, 400, { code: 'param.outTrackIdExists', message: 'outTrackId already used' });
        state.cards.set(b.outTrackId as string, {
          outTrackId: b.outTrackId as string,
          cardTemplateId: b.cardTemplateId as string,
          openSpaceId: b.openSpaceId as string,
          callbackType: b.callbackType,
          params: { ...(map as Record<string, string>) },
          updates: 0,
        });
        const failedSpace = state.invalidStaff.has(spaceId!);
        return send(res, 200, {
          success: true,
          result: {
            outTrackId: b.outTrackId,
            deliverResults: [{ spaceType, spaceId, success: !failedSpace, ...(failedSpace ? { errorMsg: 'user not found' } : { carrierId: `carrier-${++seq}` }) }],
          },
        });
      }
      case 'PUT /v1.0/card/instances': {
        if (!authed(req, res)) return;
        const b = body as { outTrackId?: unknown; cardData?: { cardParamMap?: Record<string, unknown> }; cardUpdateOptions?: { updateCardDataByKey?: unknown } };
        if (typeof b.outTrackId !== 'string') return shape(res, 'update: outTrackId must be a string');
        const map = b.cardData?.cardParamMap;
        if (!map || Object.values(map).some((v) => typeof v !== 'string')) return shape(res, 'update: cardParamMap values must be strings');
        const card = state.cards.get(b.outTrackId);
        if (!card) return send(res, 400, { code: 'param.cardNotExist', message: 'card instance not found' });
        const byKey = b.cardUpdateOptions?.updateCardDataByKey === true;
        card.params = byKey ? { ...card.params, ...(map as Record<string, string>) } : { ...(map as Record<string, string>) };
        card.updates++;
        return send(res, 200, { success: true, result: true });
      }
      case 'POST /v1.0/card/callbacks/register': {
        if (!authed(req, res)) return;
        if (typeof body.callbackRouteKey !== 'string' || typeof body.callbackUrl !== 'string') return shape(res, 'register: callbackRouteKey and callbackUrl are required');
        return send(res, 200, { success: true, result: { callbackUrl: body.callbackUrl, apiSecret: body.apiSecret } });
      }
      case 'POST /v1.0/robot/groupMessages/send':
      case 'POST /v1.0/robot/oToMessages/batchSend': {
        if (!authed(req, res)) return;
        if (body.robotCode !== robotCode) return shape(res, `robot: robotCode ${String(body.robotCode)}`);
        if (typeof body.msgKey !== 'string' || typeof body.msgParam !== 'string') return shape(res, 'robot: msgKey and msgParam (a JSON string) are required');
        let param: Record<string, unknown>;
        try {
          param = JSON.parse(body.msgParam) as Record<string, unknown>;
        } catch {
          return shape(res, 'robot: msgParam is not JSON');
        }
        // sampleMarkdown takes {title, text} (机器人发送消息的消息类型, msgKey table).
        if (body.msgKey === 'sampleMarkdown' && (typeof param.title !== 'string' || !param.title || typeof param.text !== 'string' || !param.text)) return shape(res, 'robot: sampleMarkdown needs title and text');
        if (path.endsWith('groupMessages/send')) {
          if (typeof body.openConversationId !== 'string') return shape(res, 'robot: openConversationId is required');
          state.groupMessages.push(body);
          return send(res, 200, { processQueryKey: `pq-${++seq}` });
        }
        const users = body.userIds;
        if (!Array.isArray(users) || users.length === 0 || users.some((u) => typeof u !== 'string')) return shape(res, 'robot: userIds must be a non-empty string array');
        state.userMessages.push(body);
        return send(res, 200, {
          processQueryKey: `pq-${++seq}`,
          invalidStaffIdList: users.filter((u: string) => state.invalidStaff.has(u)),
          flowControlledStaffIdList: users.filter((u: string) => state.flowControlled.has(u)),
        });
      }
      default:
        return send(res, 404, { code: 'NotFound', message: `${req.method} ${path}` });
    }
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      let body: Record<string, unknown>;
      try {
        body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      } catch {
        state.shapeErrors.push(`${path}: body is not JSON`);
        return send(res, 400, { code: 'InvalidParameter', message: 'body is not JSON' });
      }
      const query = Object.fromEntries(new URL(req.url ?? '/', 'http://fake').searchParams);
      state.requests.push({ method: req.method ?? 'GET', path, query, headers: req.headers, body, at: Date.now() });
      // An internal app may call each v1.0 API 20 times per second; beyond, HTTP 403 with
      // Forbidden.AccessDenied.QpsLimitForAppkeyAndApi (docs/channels/dingtalk.md, errors).
      const limited = opts.realism?.limits && path.startsWith('/v1.0/') && path !== '/v1.0/oauth2/accessToken' && state.limits.admit([second(`${req.method} ${path}`, 20)]);
      void latency(opts.realism).then(() =>
        limited ? send(res, 403, { code: 'Forbidden.AccessDenied.QpsLimitForAppkeyAndApi', message: '应用调用该接口的并发量超过限制', requestid: `req-${++seq}` }) : handle(req, res, path, body),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;

  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  });
}
