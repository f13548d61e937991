import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/app.js';

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
