// The process logger: pino with secrets redacted; readable lines on a terminal, JSON otherwise.
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

/** Secrets never reach the logs, whichever object they travel in. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers["x-lark-signature"]',
  '*.appSecret',
  '*.app_secret',
  '*.secret',
  '*.corpsecret',
  '*.clientSecret',
  '*.accessToken',
  '*.access_token',
  '*.tenant_access_token',
  '*.token',
  '*.encryptKey',
  '*.password',
  'config.ADMIN_TOKEN',
  'config.FEISHU_APP_SECRET',
  'config.FEISHU_ENCRYPT_KEY',
  'config.FEISHU_VERIFICATION_TOKEN',
  'config.DINGTALK_CLIENT_SECRET',
  'config.WECOM_SECRET',
  'config.WECOM_TOKEN',
  'config.WECOM_ENCODING_AES_KEY',
  'config.WECOM_CONTACT_TOKEN',
  'config.WECOM_CONTACT_ENCODING_AES_KEY',
];

export type LogFormat = 'json' | 'pretty';

/**
 * `auto` is readable lines on a terminal and JSON lines otherwise (a container, a pipe, a log
 * shipper). Pretty printing needs pino-pretty, a development dependency: without it, JSON.
 */
export function logFormatFor(setting: Config['LOG_FORMAT'], isTTY: boolean, prettyAvailable: boolean): LogFormat {
  const wanted = setting === 'auto' ? (isTTY ? 'pretty' : 'json') : setting;
  return wanted === 'pretty' && prettyAvailable ? 'pretty' : 'json';
}

type PrettyFactory = (opts: Record<string, unknown>) => DestinationStream;

function loadPretty(): PrettyFactory | undefined {
  try {
    return createRequire(import.meta.url)('pino-pretty') as PrettyFactory;
  } catch {
    return undefined;
  }
}

export function createLogger(
  config: Pick<Config, 'LOG_LEVEL' | 'NODE_ENV'> & Partial<Pick<Config, 'LOG_FORMAT'>>,
  destination?: DestinationStream,
  isTTY = process.stdout.isTTY === true,
): Logger {
  const opts = { level: config.LOG_LEVEL, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'qianpi' } };
  const pretty = config.LOG_FORMAT && config.LOG_FORMAT !== 'json' ? loadPretty() : undefined;
  if (pretty && logFormatFor(config.LOG_FORMAT ?? 'json', isTTY, true) === 'pretty') {
    // Synchronous, in-process: no worker thread, nothing lost when the process exits.
    return pino(opts, pretty({ sync: true, colorize: isTTY, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', ...(destination ? { destination } : {}) }));
  }
  return destination ? pino(opts, destination) : pino(opts);
}

