// Bad configuration stops the start with a non-zero exit and a message naming the field.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const run = (env: Record<string, string>) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stderr: r.stderr };
};

describe('start-up failures', () => {
  it('an invalid environment variable', () => {
    const r = run({ PORT: 'abc', PROCESS_ROLE: 'everything' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid configuration/);
    expect(r.stderr).toMatch(/PORT: /);
    expect(r.stderr).toMatch(/PROCESS_ROLE: /);
  });

  it('a broken organisation file names the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qianpi-org-'));
    const file = join(dir, 'org.yaml');
    writeFileSync(file, 'organisation: { name: X }\ndepartments: [{ id: d, name: D }]\npeople:\n  - { id: a, name: A, dept: d }\n  - { id: b, name: B, dept: x }\n');
    const r = run({ ORG_FILE: file, DATA_DIR: join(dir, 'data') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`organisation file ${file} is invalid`);
    expect(r.stderr).toContain('people[1].dept: unknown department "x"');
  });

  it('an unreachable REDIS_URL says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qianpi-redis-'));
    const r = run({ REDIS_URL: 'redis://127.0.0.1:1', DATA_DIR: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Redis at REDIS_URL .* does not answer/);
  });
});
