// test/support's startTestApp, usable outside vitest: it clones its database from the template
// that vitest's global setup builds and reads the template's name through vitest's `inject`.
// Here the same global setup builds the template, and its provided values are handed to
// `inject` the way a vitest worker would see them. `release()` drops the template again.
import type { TestProject } from 'vitest/node';
import setup from '../../test/support/global-setup.js';
import type { TestApp } from '../../test/support/app.js';
import type { AppOptions } from '../../src/app.js';

const WORKER_STATE = '__vitest_worker__'; // where vitest's `inject` reads `providedContext`

export interface TestHarness {
  startTestApp(env?: Record<string, string>, opts?: Omit<AppOptions, 'config'>): Promise<TestApp>;
  release(): Promise<void>;
}

export async function testHarness(): Promise<TestHarness> {
  const g = globalThis as Record<string, unknown>;
  if (g[WORKER_STATE]) throw new Error('already inside a vitest worker: call startTestApp directly');
  const provided: Record<string, unknown> = {};
  const project = { provide: (key: string, value: unknown) => void (provided[key] = value) } as unknown as TestProject;
  const teardown = await setup(project);
  g[WORKER_STATE] = { providedContext: provided };
  const { startTestApp } = await import('../../test/support/app.js');
  return {
    startTestApp: (env, opts) => startTestApp(env, opts),
    async release() {
      delete g[WORKER_STATE];
      await teardown();
    },
  };
}
