// Request and response schemas shared by the API routes. Fastify validates params, headers and
// bodies against them before a handler runs (fastify-type-provider-zod), and the same schemas
// describe the API for an OpenAPI document (@fastify/swagger with jsonSchemaTransform).
import type { FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RequestState } from '../core/model.js';
import { CONTROL_CHAR, LONE_SURROGATE } from '../core/parse/types.js';
import { UUID_RE } from '../store/requests-repo.js';

export function textProblem(s: string): string | undefined {
  // NUL: Postgres cannot store it; an unpaired surrogate is not Unicode.
  if (CONTROL_CHAR.test(s)) return 'must not contain NUL or other control characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired surrogates';
  return undefined;
}

/** A string a person could have typed: bounded, no control characters, well-formed Unicode. */
export const text = (max: number) =>
  z.string().max(max).superRefine((s, ctx) => {
    const problem = textProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An id of a person, department or step (from the organisation file). */
export const refId = text(128).pipe(z.string().min(1));

export const requestId = z.string().regex(UUID_RE, 'must be a request id (a UUID)');

/** A request's number as people see it (A-0006). */
export const REQUEST_NUMBER = /^[A-Za-z]-\d{1,12}$/;
/** A request named by its id or by its number: every route that takes one takes both. */
export const requestRef = z.string().refine((id) => UUID_RE.test(id) || REQUEST_NUMBER.test(id), 'must be a request id (UUID) or number (A-12)');

const MAX_DEPTH = 16;
const MAX_NODES = 10_000;

/**
 * Any JSON value whose strings and keys pass `textProblem`, at most 16 levels deep. Checked
 * with an explicit stack, so a deeply nested body is a 400, not a stack overflow.
 */
export const jsonValue = z.unknown().superRefine((value, ctx) => {
  const stack: Array<{ v: unknown; path: PropertyKey[] }> = [{ v: value, path: [] }];
  let nodes = 0;
  while (stack.length) {
    const { v, path } = stack.pop()!;
    if (++nodes > MAX_NODES) return void ctx.addIssue({ code: 'custom', message: `more than ${MAX_NODES} values`, path });
    if (path.length > MAX_DEPTH) return void ctx.addIssue({ code: 'custom', message: `nested deeper than ${MAX_DEPTH} levels`, path });
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return void ctx.addIssue({ code: 'custom', message: problem, path });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push({ v: x, path: [...path, i] }));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const problem = textProblem(k);
        if (problem) return void ctx.addIssue({ code: 'custom', message: `key ${problem}`, path });
        stack.push({ v: x, path: [...path, k] });
      }
    }
  }
});

export const idempotencyHeaders = z.looseObject({
  'idempotency-key': text(200).optional().describe('Makes a retried call answer like the first one did'),
});

export const errorReply = z.looseObject({ error: z.string(), code: z.string().optional() });

/** The request state (src/core/model.ts RequestState); loose, so the response passes it on whole. */
export const requestState = z.looseObject({
  id: z.string(),
  number: z.string(),
  type: z.string(),
  title: z.string(),
  status: z.string(),
  applicantId: z.string(),
  steps: z.array(z.looseObject({ id: z.string(), approvers: z.array(z.string()), status: z.string() })),
}) as unknown as z.ZodType<RequestState>;

export const errorReplies = { 400: errorReply, 401: errorReply, 403: errorReply, 404: errorReply, 409: errorReply, 422: errorReply, 503: errorReply } as const;

/** A plugin scope whose routes take zod schemas (kept to our scopes: bull-board declares JSON Schema). */
export function zodScope(scope: FastifyInstance) {
  scope.setValidatorCompiler(validatorCompiler);
  scope.setSerializerCompiler(serializerCompiler);
  return scope.withTypeProvider<ZodTypeProvider>();
}

/** An object passed on whole (its shape is documented by the TypeScript type it comes from). */
export const anyObject = z.looseObject({}) as unknown as z.ZodType<object>;
