// The OpenAPI 3 document, generated from the routes' zod schemas (fastify-type-provider-zod's
// transform under @fastify/swagger), served at /openapi.json, with a reference page
// (@fastify/swagger-ui) at /openapi. Registered before any route: @fastify/swagger collects
// routes as they are added.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { $ZodType } from 'zod/v4/core';
import { DASHBOARD_PATH } from './queue-dashboard.js';

export const OPENAPI_PATH = '/openapi.json';
export const REFERENCE_PATH = '/openapi';

/**
 * Routes left out of the document, each with its reason (the coverage test reads this list).
 * Everything else an app registers must be in the document.
 */
export const UNDOCUMENTED: ReadonlyArray<{ under: string; why: string }> = [
  { under: DASHBOARD_PATH, why: "bull-board's own UI and its internal JSON API (an operators' tool, not our API)" },
  { under: REFERENCE_PATH, why: 'the reference page itself and its static files' },
  { under: '/assets', why: 'static files of the web build' },
  { under: '/*', why: "the web build's static file fallback" },
];

/** A route at or below one of UNDOCUMENTED's paths. */
export const undocumented = (url: string) => UNDOCUMENTED.some((u) => url === u.under || url.startsWith(`${u.under}/`));

type TransformInput = Parameters<typeof jsonSchemaTransform>[0];

const hasZod = (schema: Record<string, unknown>) =>
  ['params', 'querystring', 'body', 'headers'].some((k) => schema[k] instanceof $ZodType) ||
  Object.values((schema.response as Record<string, unknown> | undefined) ?? {}).some((r) => r instanceof $ZodType);

/**
 * A route whose answer is not JSON (a page, an event stream, metrics text, a platform's
 * acknowledgement) declares no response schema: the document says what it answers in words.
 */
const NON_JSON_REPLY = { 200: { description: 'Not JSON: see the summary (a page, an event stream, text, or the platform\'s acknowledgement)' } };

/** zod schemas through the type provider's transform; plain JSON Schema (none of ours) as it is. */
function transform(input: TransformInput) {
  const { url } = input;
  const schema = (input.schema ?? {}) as Record<string, unknown>;
  if (undocumented(url)) return { schema: { ...schema, hide: true }, url };
  const out = hasZod(schema) ? jsonSchemaTransform(input) : { schema, url };
  return out.schema && !out.schema.response ? { url, schema: { ...out.schema, response: NON_JSON_REPLY } } : out;
}

export async function registerOpenApi(app: FastifyInstance, info: { title: string; version: string }): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { ...info, description: 'Qianpi: approvals run from enterprise chat. Generated from the routes\' schemas.' },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN (integration and admin API)' },
          session: { type: 'apiKey', in: 'cookie', name: 'qianpi_session', description: 'The console sign-in session' },
        },
      },
    },
    transform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: REFERENCE_PATH, staticCSP: true });
  app.get(OPENAPI_PATH, { schema: { summary: 'This OpenAPI 3 document', tags: ['meta'] } }, async () => app.swagger());
}

export interface RouteEntry {
  method: string;
  url: string;
}

/** Every route added to `app` from now on (for the document's coverage test and the health page). */
export function trackRoutes(app: FastifyInstance): RouteEntry[] {
  const routes: RouteEntry[] = [];
  app.addHook('onRoute', (r) => {
    const methods = ([] as HTTPMethods[]).concat(r.method as HTTPMethods | HTTPMethods[]);
    for (const m of methods) routes.push({ method: m, url: r.url });
  });
  return routes;
}
