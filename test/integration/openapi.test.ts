// The OpenAPI document: valid OpenAPI 3, and it names every route the app registers (except the
// ones `UNDOCUMENTED` lists with a reason) — on a simulator-only instance (the demo clock's
// routes) and with every platform on (their webhooks).
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { undocumented } from '../../src/http/openapi.js';
import { startAllPlatforms, type AllPlatforms } from '../support/all-platforms.js';
import { startTestApp, type TestApp } from '../support/app.js';

let sim: TestApp;
let all: AllPlatforms;
beforeAll(async () => {
  [sim, all] = await Promise.all([startTestApp({ ADMIN_TOKEN: 'openapi-token-0123456789' }), startAllPlatforms()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([sim?.close(), all?.close()]);
});

type Doc = { openapi: string; paths: Record<string, Record<string, { summary?: string; responses?: object }>> };

async function documentOf(t: TestApp): Promise<Doc> {
  const r = await fetch(`${t.url}/openapi.json`);
  expect(r.status).toBe(200);
  return (await r.json()) as Doc;
}

/** Fastify's `/:id` and `*` in OpenAPI's spelling. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}');

function missingRoutes(t: TestApp, doc: Doc): string[] {
  const missing: string[] = [];
  for (const { method, url } of t.app.routes) {
    // HEAD routes are Fastify's automatic twins of GET routes.
    if (method === 'HEAD' || undocumented(url)) continue;
    const ops = doc.paths[openApiPath(url)];
    if (!ops?.[method.toLowerCase()]) missing.push(`${method} ${url}`);
  }
  return missing;
}

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3 document', async () => {
    for (const t of [sim, all.t]) {
      const doc = await documentOf(t);
      expect(doc.openapi).toMatch(/^3\./);
      // Validates against the OpenAPI 3.0 schema and resolves every $ref; throws otherwise.
      await SwaggerParser.validate(structuredClone(doc) as never);
    }
  });

  it('covers every registered route', async () => {
    for (const t of [sim, all.t]) {
      const doc = await documentOf(t);
      expect(t.app.routes.length).toBeGreaterThan(20);
      expect(missingRoutes(t, doc)).toEqual([]);
    }
  });

  it('documents every operation with a summary and its responses', async () => {
    const doc = await documentOf(sim);
    const bare: string[] = [];
    for (const d of [doc, await documentOf(all.t)]) {
      for (const [path, ops] of Object.entries(d.paths)) {
        for (const [method, op] of Object.entries(ops)) if (!op.summary || !Object.keys(op.responses ?? {}).some((c) => c !== 'default')) bare.push(`${method} ${path}`);
      }
    }
    expect([...new Set(bare)]).toEqual([]);
    // The zod schemas reach the document: a request's id is a path parameter, a submission's body typed.
    expect(doc.paths['/api/requests/{id}']?.get).toBeTruthy();
    expect(JSON.stringify(doc.paths['/api/requests']?.post)).toContain('applicantId');
  });

  it('serves the reference page', async () => {
    const r = await fetch(`${sim.url}/openapi/`);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('swagger');
  });
});
