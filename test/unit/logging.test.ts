import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormatFor } from '../../src/logger.js';

describe('logging', () => {
  it('redacts secrets and tokens wherever they travel', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const log = createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'test' }, sink);
    log.info({ config: { FEISHU_APP_SECRET: 's1', WECOM_ENCODING_AES_KEY: 's2', ADMIN_TOKEN: 's3', PORT: 3000 } }, 'boot');
    log.info({ req: { headers: { authorization: 'Bearer s4' } }, body: { access_token: 's5', token: 's6', appSecret: 's7' } }, 'call');
    const out = lines.join('');
    for (const secret of ['s1', 's2', 's3', 's4', 's5', 's6', 's7']) expect(out).not.toContain(`"${secret}"`);
    expect(out).toContain('[redacted]');
    expect(out).toContain('"PORT":3000');
  });
});

describe('log format', () => {
  it('auto: readable on a terminal, JSON elsewhere; pretty falls back to JSON without pino-pretty', () => {
    expect(logFormatFor('auto', true, true)).toBe('pretty');
    expect(logFormatFor('auto', false, true)).toBe('json');
    expect(logFormatFor('json', true, true)).toBe('json');
    expect(logFormatFor('pretty', false, true)).toBe('pretty');
    expect(logFormatFor('pretty', true, false)).toBe('json');
  });

  it('writes readable lines when pretty (secrets still redacted) and JSON lines otherwise', async () => {
    const capture = () => {
      const lines: string[] = [];
      return { lines, sink: new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }) };
    };
    const a = capture();
    createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'test', LOG_FORMAT: 'pretty' }, a.sink, false).info({ body: { token: 'tok-1' } }, 'listening on 3000');
    const pretty = a.lines.join('');
    expect(pretty).toMatch(/INFO.*listening on 3000/);
    expect(pretty).not.toContain('tok-1');
    expect(() => JSON.parse(pretty)).toThrow();
    const b = capture();
    createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'test', LOG_FORMAT: 'auto' }, b.sink, false).info('listening on 3000');
    expect(JSON.parse(b.lines.join(''))).toMatchObject({ level: 30, msg: 'listening on 3000' });
  });
});
