import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('configuration', () => {
  it('has working defaults and enables the simulator when no platform is configured', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.PROCESS_ROLE).toBe('all');
    expect(c.DATA_DIR).toBe('./data');
    expect(c.DINGTALK_OAPI_BASE_URL).toBe('https://oapi.dingtalk.com');
    expect(c.simulatorEnabled).toBe(true);
    expect(c.feishuEnabled || c.dingtalkEnabled || c.wecomEnabled).toBe(false);
  });

  it('names the variable of every invalid value', () => {
    const p = problems({ PORT: 'eighty', PROCESS_ROLE: 'both', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(p.join('\n')).toMatch(/^PORT: /m);
    expect(p.join('\n')).toMatch(/^PROCESS_ROLE: /m);
    expect(p.join('\n')).toMatch(/^DATABASE_URL: must be a postgres/m);
    expect(p.join('\n')).toMatch(/^LOG_LEVEL: /m);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).DATABASE_URL).toBeUndefined();
  });

  it('refuses a half-configured platform and says what is missing', () => {
    expect(problems({ FEISHU_APP_ID: 'cli_x' })).toEqual([
      'FEISHU_APP_SECRET: required when FEISHU_APP_ID is set',
      'FEISHU_VERIFICATION_TOKEN: required when FEISHU_MODE is webhook (it authenticates every callback)',
    ]);
    expect(problems({ FEISHU_APP_ID: 'cli_x', FEISHU_APP_SECRET: 's', FEISHU_MODE: 'ws' })).toEqual([]);
    const wecom = problems({ WECOM_CORP_ID: 'ww1', WECOM_SECRET: 's' });
    expect(wecom).toContain('WECOM_TOKEN: required when WECOM_CORP_ID, WECOM_SECRET is set');
    expect(wecom).toContain('WECOM_AGENT_ID: required when WECOM_CORP_ID is set');
    expect(problems({ WECOM_ENCODING_AES_KEY: 'short' }).join()).toMatch(/WECOM_ENCODING_AES_KEY: must be 43 characters/);
  });

  it('turns the simulator off when a platform is configured, unless asked for', () => {
    const feishu = { FEISHU_APP_ID: 'cli_x', FEISHU_APP_SECRET: 'secret', FEISHU_VERIFICATION_TOKEN: 'v' };
    expect(loadConfig(feishu).simulatorEnabled).toBe(false);
    expect(loadConfig(feishu).feishuEnabled).toBe(true);
    expect(loadConfig({ ...feishu, SIMULATOR: 'on' }).simulatorEnabled).toBe(true);
    expect(loadConfig({ SIMULATOR: 'off' }).simulatorEnabled).toBe(false);
  });
});

describe('approval centres configuration', () => {
  it('is off by default, and on it names what it still needs', () => {
    expect(loadConfig({}).FEISHU_APPROVAL_CENTRE).toBe('off');
    expect(loadConfig({}).DINGTALK_PROCESS_CENTRE).toBe('off');
    let err: unknown;
    try {
      loadConfig({ FEISHU_APPROVAL_CENTRE: 'on', DINGTALK_PROCESS_CENTRE: 'on' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    for (const k of ['FEISHU_APP_ID', 'FEISHU_APPROVAL_CALLBACK_TOKEN', 'PUBLIC_URL', 'DINGTALK_CLIENT_ID']) expect(problems).toContain(k);
  });
});
