import { ERROR_CODES } from '../contract/index.js';

/**
 * Finishing touches to the generated OpenAPI document (the `transformObject` of
 * @fastify/swagger). They change the document only, never what the server sends:
 * - error responses are declared as `application/problem+json`, the type the one error
 *   handler (problem.ts) answers with; Fastify's schemas can only say `application/json`
 *   without also changing how a reply is serialized;
 * - every operation the rate limit applies to (all but /health/…) declares its 429.
 */

type Responses = Record<string, { description?: string; content?: Record<string, unknown> }>;
type Operation = { responses?: Responses };
type Document = { paths?: Record<string, Record<string, Operation>> };

const PROBLEM_REF = '#/components/schemas/Problem';
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** The error codes of one status, as the response's description. */
function problemDescription(status: string): string {
  const codes = Object.entries(ERROR_CODES)
    .filter(([, [code]]) => String(code) === status)
    .map(([name]) => `\`${name}\``);
  return codes.length ? `Problem; \`code\` is one of ${codes.join(', ')}` : 'Problem';
}

/** The media type object of a response that carries the Problem schema (under whatever type the route produces). */
function problemMedia(content: Record<string, unknown> | undefined): unknown {
  return Object.values(content ?? {}).find(
    (media) => (media as { schema?: { $ref?: string } }).schema?.$ref === PROBLEM_REF,
  );
}

/** See the module comment; mutates and returns `document`. */
export function finishDocument<T extends object>(document: T): T {
  for (const [path, item] of Object.entries((document as Document).paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const responses = (operation.responses ??= {});
      if (!path.startsWith('/health/') && !responses['429']) {
        responses['429'] = { content: { 'application/json': { schema: { $ref: PROBLEM_REF } } } };
      }
      for (const [status, response] of Object.entries(responses)) {
        const problem = /^[45]/.test(status) ? problemMedia(response.content) : undefined;
        if (!problem) continue;
        // The one error handler answers every error as problem+json, whatever the route produces.
        response.content = { 'application/problem+json': problem };
        response.description = problemDescription(status);
      }
    }
  }
  return document;
}
