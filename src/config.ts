// One zod schema over the environment. Nothing else in the code reads process.env:
// `loadConfig` is called once by main.ts (or by a test) and the result is passed down.
import { z } from 'zod';

const url = z.url();
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const configSchema = z
  .object({
    NODE_ENV: optional(z.enum(['development', 'production', 'test'])).default('development'),
    PORT: optional(z.coerce.number().int().min(0).max(65535)).default(3000),
    HOST: optional(z.string()).default('0.0.0.0'),
    PUBLIC_URL: optional(url),
    DATA_DIR: optional(z.string()).default('./data'),
    DATABASE_URL: optional(z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')),
    REDIS_URL: optional(z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL')),
    REDIS_PREFIX: optional(z.string().regex(/^[A-Za-z0-9_-]+$/)).default('qianpi'),
    ORG_FILE: optional(z.string()),
    PROCESS_ROLE: optional(z.enum(['all', 'web', 'worker'])).default('all'),
    ADMIN_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
    /** Signs attachment links; without it the replicas share a random one kept in Redis. */
    FILE_LINK_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
    /** Chromium for the archive's PDF; unset: /usr/bin/chromium (or chromium-browser, google-chrome) when present. */
    CHROMIUM_PATH: optional(z.string()),
    /** The console's session key material (derived from ADMIN_TOKEN when unset). */
    SESSION_SECRET: optional(z.string().min(32, 'must be at least 32 characters')),
    LOG_LEVEL: optional(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])).default('info'),
    LOG_FORMAT: optional(z.enum(['auto', 'json', 'pretty'])).default('auto'),
    LOCALE: optional(z.enum(['zh-CN', 'en'])).default('zh-CN'),
    SIMULATOR: optional(z.enum(['auto', 'on', 'off'])).default('auto'),
    SHUTDOWN_TIMEOUT_MS: optional(z.coerce.number().int().positive()).default(10_000),
    OUTBOX_POLL_MS: optional(z.coerce.number().int().positive()).default(1_000),
    /** The scheduler mirrors in Redis only the timers due within this many hours; the rest wait in Postgres until they enter it. */
    SCHEDULE_HORIZON_HOURS: optional(z.coerce.number().positive().min(1)).default(48),
    HTTP_REQUEST_TIMEOUT_MS: optional(z.coerce.number().int().min(100)).default(30_000),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: optional(z.coerce.number().int().min(100)).default(65_000),
    HTTP_MAX_CONNECTIONS: optional(z.coerce.number().int().positive()).default(1_000),

    /** Outbound webhooks (src/webhooks/): `true` lets endpoints resolve to loopback / private addresses (off: refused, SSRF). */
    WEBHOOK_ALLOW_PRIVATE: optional(z.enum(['true', 'false'])).default('false').transform((v) => v === 'true'),
    /** Attempts per delivery before it is dead (an admin may redrive it), and the first retry's delay (doubling). */
    WEBHOOK_ATTEMPTS: optional(z.coerce.number().int().min(1).max(30)).default(10),
    WEBHOOK_BACKOFF_MS: optional(z.coerce.number().int().min(10)).default(5_000),
    WEBHOOK_TIMEOUT_MS: optional(z.coerce.number().int().min(100)).default(10_000),

    FEISHU_APP_ID: optional(z.string()),
    FEISHU_APP_SECRET: optional(z.string()),
    FEISHU_VERIFICATION_TOKEN: optional(z.string()),
    FEISHU_ENCRYPT_KEY: optional(z.string()),
    FEISHU_BASE_URL: optional(url).default('https://open.feishu.cn'),
    FEISHU_MODE: optional(z.enum(['webhook', 'ws'])).default('webhook'),
    FEISHU_MAX_SKEW_SECONDS: optional(z.coerce.number().int().positive()).default(3600),

    /** Feishu's approval centre (三方审批): mirror every request there and take its approve / reject. */
    FEISHU_APPROVAL_CENTRE: optional(z.enum(['on', 'off'])).default('off'),
    /** Our third-party approval definition's code (created or updated at start-up). */
    FEISHU_APPROVAL_CODE: optional(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).default('qianpi-approval'),
    FEISHU_APPROVAL_GROUP: optional(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).default('qianpi'),
    /** The definition's action_callback_token: authenticates the centre's callbacks. */
    FEISHU_APPROVAL_CALLBACK_TOKEN: optional(z.string().min(16, 'must be at least 16 characters')),
    /** The definition's action_callback_key: callbacks then arrive encrypted. */
    FEISHU_APPROVAL_CALLBACK_KEY: optional(z.string()),
    /** Who tells approvers of a new task on Feishu: our card (`chat`) or Feishu's approval bot (`centre`). */
    FEISHU_APPROVAL_NOTICE: optional(z.enum(['chat', 'centre'])).default('chat'),

    DINGTALK_CLIENT_ID: optional(z.string()),
    DINGTALK_CLIENT_SECRET: optional(z.string()),
    DINGTALK_ROBOT_CODE: optional(z.string()),
    DINGTALK_MODE: optional(z.enum(['stream', 'http'])).default('stream'),
    DINGTALK_BASE_URL: optional(url).default('https://api.dingtalk.com'),
    /** The old API host, where the contact (directory) APIs live. */
    DINGTALK_OAPI_BASE_URL: optional(url).default('https://oapi.dingtalk.com'),
    DINGTALK_CARD_TEMPLATE_APPROVAL: optional(z.string()),
    DINGTALK_CARD_TEMPLATE_NOTICE: optional(z.string()),
    DINGTALK_MAX_SKEW_SECONDS: optional(z.coerce.number().int().positive().max(3600)).default(300),
    /** DingTalk's process centre (OA 审批 三方流程): every request an instance, every approver a 待办. */
    DINGTALK_PROCESS_CENTRE: optional(z.enum(['on', 'off'])).default('off'),
    /** Our template's processCode, once created (otherwise created at start-up and logged). */
    DINGTALK_PROCESS_CODE: optional(z.string()),
    /** Who tells approvers of a new task on DingTalk: our card (`chat`) or DingTalk's own notice (`centre`). */
    DINGTALK_PROCESS_NOTICE: optional(z.enum(['chat', 'centre'])).default('chat'),

    WECOM_CORP_ID: optional(z.string()),
    WECOM_AGENT_ID: optional(z.coerce.number().int()),
    WECOM_SECRET: optional(z.string()),
    WECOM_TOKEN: optional(z.string()),
    WECOM_ENCODING_AES_KEY: optional(z.string().length(43, 'must be 43 characters')),
    WECOM_BASE_URL: optional(url).default('https://qyapi.weixin.qq.com'),
    /** The contact-sync assistant's (通讯录同步) callback Token and EncodingAESKey: change_contact events at /webhooks/wecom/contacts. */
    WECOM_CONTACT_TOKEN: optional(z.string()),
    WECOM_CONTACT_ENCODING_AES_KEY: optional(z.string().length(43, 'must be 43 characters')),
    /** The custom attribute (extattr) holding the employee number: WeCom has no such field. */
    WECOM_EMPLOYEE_NO_ATTR: optional(z.string()),
  })
  .superRefine((c, ctx) => {
    // A half-configured platform is a mistake, not a disabled one: say which half is missing.
    const groups: Array<[string, string[]]> = [
      ['FEISHU', ['FEISHU_APP_ID', 'FEISHU_APP_SECRET']],
      ['DINGTALK', ['DINGTALK_CLIENT_ID', 'DINGTALK_CLIENT_SECRET']],
      ['WECOM', ['WECOM_CORP_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY']],
    ];
    for (const [, keys] of groups) {
      const set = keys.filter((k) => c[k as keyof typeof c] !== undefined);
      if (set.length > 0 && set.length < keys.length) {
        for (const k of keys.filter((k) => !set.includes(k))) {
          ctx.addIssue({ code: 'custom', path: [k], message: `required when ${set.join(', ')} is set` });
        }
      }
    }
    if (c.FEISHU_APP_ID && c.FEISHU_MODE === 'webhook' && !c.FEISHU_VERIFICATION_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['FEISHU_VERIFICATION_TOKEN'], message: 'required when FEISHU_MODE is webhook (it authenticates every callback)' });
    }
    if (c.FEISHU_APPROVAL_CENTRE === 'on') {
      for (const [k, why] of [
        ['FEISHU_APP_ID', 'the centre is reached with the Feishu app'],
        ['FEISHU_APPROVAL_CALLBACK_TOKEN', 'it authenticates the centre\'s callbacks'],
        ['PUBLIC_URL', 'the centre links to requests and calls back'],
      ] as const) {
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: `required when FEISHU_APPROVAL_CENTRE is on (${why})` });
      }
    }
    if (c.DINGTALK_PROCESS_CENTRE === 'on') {
      for (const [k, why] of [
        ['DINGTALK_CLIENT_ID', 'the process centre is reached with the DingTalk app'],
        ['PUBLIC_URL', 'every instance needs a url'],
      ] as const) {
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: `required when DINGTALK_PROCESS_CENTRE is on (${why})` });
      }
    }
    if (c.WECOM_CORP_ID && c.WECOM_AGENT_ID === undefined) {
      ctx.addIssue({ code: 'custom', path: ['WECOM_AGENT_ID'], message: 'required when WECOM_CORP_ID is set' });
    }
  });

export type Env = z.infer<typeof configSchema>;

export interface Config extends Env {
  feishuEnabled: boolean;
  dingtalkEnabled: boolean;
  wecomEnabled: boolean;
  simulatorEnabled: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv | Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`));
  }
  const c = parsed.data;
  const feishuEnabled = Boolean(c.FEISHU_APP_ID && c.FEISHU_APP_SECRET);
  const dingtalkEnabled = Boolean(c.DINGTALK_CLIENT_ID && c.DINGTALK_CLIENT_SECRET);
  const wecomEnabled = Boolean(c.WECOM_CORP_ID && c.WECOM_SECRET && c.WECOM_TOKEN && c.WECOM_ENCODING_AES_KEY);
  const anyPlatform = feishuEnabled || dingtalkEnabled || wecomEnabled;
  // The simulator lets anyone act as anyone, so with real platforms it is off unless asked for.
  const simulatorEnabled = c.SIMULATOR === 'on' || (c.SIMULATOR === 'auto' && !anyPlatform);
  return { ...c, feishuEnabled, dingtalkEnabled, wecomEnabled, simulatorEnabled };
}
