import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dbFailure, pgError } from '../db/errors.js';
import { AppError, type ErrorCode, type FieldErrors, fixThese, say } from './errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldErrors;
  request_id: string;
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: Record<string, unknown>;
}

const FASTIFY_CODES: Record<string, [number, ErrorCode]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'bad_request'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'bad_request'],
};

// PostgreSQL errors that reach the handler despite the services' checks (a race the
// service did not expect): answer as the conflict they are, never as a 500.
const PG_CODES: Record<string, [number, ErrorCode, string]> = {
  '23505': [409, 'conflict', 'This conflicts with an existing record.'],
  '23503': [409, 'conflict', 'This record is referenced by, or refers to, another record.'],
  '23001': [409, 'conflict', 'This record is referenced by another record.'],
  '23514': [400, 'validation_error', 'A value is out of its allowed range.'],
  '40001': [503, 'service_unavailable', 'The request conflicted with another; please retry.'],
  '40P01': [503, 'service_unavailable', 'The request conflicted with another; please retry.'],
};

// Data exceptions (class 22) and program limits (class 54) come from a value the client
// sent that PostgreSQL cannot take: a 400 naming the kind of value, never the SQL.
const INPUT_DETAILS: Record<string, string> = {
  '22001': 'A text value is too long.',
  '22003': 'A number is out of range.',
  '22007': 'A date or time is not valid.',
  '22008': 'A date or time is out of range.',
  '22012': 'A value led to a division by zero.',
  '22021': 'Text may not contain NUL (\\u0000) characters.',
  '22P05': 'Text may not contain NUL (\\u0000) characters.',
  '22023': 'A parameter value is not valid (for example, an unknown time zone).',
  '22P02': 'A value is not valid for its type.',
};
const INPUT_DETAIL = 'A value is malformed or out of range.';
const LIMIT_DETAIL = 'A value is too large to be stored or indexed.';

/** Seconds a client should wait before retrying when the database is out of reach. */
const DB_RETRY_AFTER_SECONDS = 2;

interface DatabaseProblem {
  status: number;
  code: ErrorCode;
  detail: string;
  headers?: Record<string, string>;
}

/** The answer to a database error no service handled, or undefined for a bug (500). */
export function databaseProblem(error: unknown): DatabaseProblem | undefined {
  const failure = dbFailure(error);
  if (failure === 'unavailable') {
    return {
      status: 503,
      code: 'service_unavailable',
      detail: 'The database is unavailable; please retry shortly.',
      headers: { 'Retry-After': String(DB_RETRY_AFTER_SECONDS) },
    };
  }
  const pgCode = pgError(error)?.code;
  const known = pgCode ? PG_CODES[pgCode] : undefined;
  if (known) {
    const [status, code, detail] = known;
    return { status, code, detail, ...(status === 503 ? { headers: { 'Retry-After': '1' } } : {}) };
  }
  if (failure === 'input' && pgCode) {
    const detail = INPUT_DETAILS[pgCode] ?? (pgCode.startsWith('54') ? LIMIT_DETAIL : INPUT_DETAIL);
    return { status: 400, code: 'bad_request', detail };
  }
  return undefined;
}

function problemBody(
  request: Pick<FastifyRequest, 'id'>,
  status: number,
  code: ErrorCode,
  detail: string,
  errors?: FieldErrors,
): Problem {
  return {
    type: `urn:shop:problem:${code}`,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(errors ? { errors } : {}),
    request_id: request.id,
  };
}

function sendProblem(reply: FastifyReply, problem: Problem, headers?: Record<string, string>) {
  if (headers) void reply.headers(headers);
  return reply.code(problem.status).type('application/problem+json').send(problem);
}

/** The path of the value an error concerns: a missing property's own path for `required`. */
function pathOf(error: AjvError): string {
  if (error.keyword !== 'required') return error.instancePath;
  return `${error.instancePath}/${String(error.params.missingProperty ?? '')}`;
}

const isUnion = (error: AjvError) => error.keyword === 'anyOf' || error.keyword === 'oneOf';

/**
 * anyOf/oneOf report each branch and then themselves. A branch's complaint about the value
 * itself (its type, length…) is noise: the union's summary says what is allowed. Complaints
 * about what is inside the value (a nested field of an object branch) are the useful ones,
 * and then the summary is the noise.
 */
function isBranchNoise(error: AjvError, all: AjvError[]): boolean {
  if (isUnion(error)) {
    const inside = `${error.instancePath}/`;
    return all.some((other) => !isUnion(other) && pathOf(other).startsWith(inside));
  }
  return all.some((other) => isUnion(other) && other.instancePath === pathOf(error));
}

/** One human message per failed schema keyword, keyed by the field it concerns. */
function fieldErrorsFromAjv(errors: AjvError[], context: string): FieldErrors {
  const out: FieldErrors = {};
  for (const error of errors) {
    if (errors.length > 1 && isBranchNoise(error, errors)) continue;
    const path = pathOf(error).replace(/^\//, '').replace(/\//g, '.');
    const field = path || (context === 'body' ? 'non_field_errors' : context);
    const message = messageFor(error);
    const list = (out[field] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  return out;
}

/**
 * A schema validation error as messages by field: for a route that attaches its body's schema
 * errors (`attachValidation`) to report them together with its own checks, all at once.
 */
function schemaFieldErrors(error: FastifyError & { validationContext?: string }): FieldErrors {
  return fieldErrorsFromAjv((error.validation ?? []) as unknown as AjvError[], error.validationContext ?? 'body');
}

/**
 * The body schema's messages of a route that sets `attachValidation` (so that its handler runs
 * and reports them together with the service's own checks), or `{}` when the body passed. A
 * wrong path parameter, query string or header fails the request as usual.
 */
export function attachedBodyErrors(request: FastifyRequest): FieldErrors {
  const error = request.validationError as (FastifyError & { validationContext?: string }) | undefined;
  if (!error) return {};
  if (error.validationContext !== 'body') throw error;
  return schemaFieldErrors(error);
}

/** The noun phrase of a JSON type, as messages say it ("Must be a whole number."). */
const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function typeMessage(type: string): string {
  const words = type
    .split(',')
    .map((t) => TYPE_WORDS[t] ?? t)
    .join(' or ');
  return `Must be ${words}.`;
}

/** A schema's own message (`x-error`), for every keyword or per keyword (`required` by field). */
function customMessage(error: AjvError): string | undefined {
  const custom = error.parentSchema?.['x-error'];
  if (typeof custom === 'string') return error.keyword === 'required' ? undefined : custom;
  if (!custom || typeof custom !== 'object') return undefined;
  const forKeyword = (custom as Record<string, unknown>)[error.keyword];
  if (typeof forKeyword === 'string') return forKeyword;
  if (error.keyword === 'required' && forKeyword && typeof forKeyword === 'object') {
    const forField = (forKeyword as Record<string, unknown>)[String(error.params.missingProperty)];
    if (typeof forField === 'string') return forField;
  }
  return undefined;
}

/** One message per failed keyword, in the house voice (see `say` in errors.ts). */
function messageFor(error: AjvError): string {
  const custom = customMessage(error);
  if (custom !== undefined) return custom;
  const p = error.params;
  const limit = String(p.limit);
  switch (error.keyword) {
    case 'required':
      return say.required;
    case 'type':
      return typeMessage(String(p.type));
    case 'minLength':
      return p.limit === 1 ? say.blank : `Must be at least ${limit} characters.`;
    case 'maxLength':
      return `Must be at most ${limit} characters.`;
    case 'minimum':
      return say.atLeast(limit);
    case 'maximum':
      return say.atMost(limit);
    case 'exclusiveMinimum':
      return say.moreThan(limit);
    case 'exclusiveMaximum':
      return say.lessThan(limit);
    case 'minItems':
      return p.limit === 1 ? 'Give at least one.' : `Give at least ${limit}.`;
    case 'maxItems':
      return `Give at most ${limit}.`;
    case 'uniqueItems':
      return 'List each value once.';
    case 'format':
      if (p.format === 'email') return 'Enter a valid email address.';
      if (p.format === 'uri') return 'Enter a valid URL.';
      if (p.format === 'date') return 'Enter a valid date (YYYY-MM-DD).';
      if (p.format === 'date-time') return 'Enter a date and time with a time zone (2026-01-20T10:15:00Z).';
      return `Enter a valid ${String(p.format)}.`;
    case 'enum':
      return `Must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}.`;
    case 'const':
      return `Must be ${JSON.stringify(p.allowedValue)}.`;
    case 'pattern':
      return 'Not in the accepted format.';
    case 'anyOf':
    case 'oneOf': {
      const allowed = error.parentSchema?.['x-allowed'];
      return typeof allowed === 'string' ? allowed : 'Not a valid value.';
    }
    case 'additionalProperties':
      return `Unknown field "${String(p.additionalProperty)}".`;
    default:
      return 'Not a valid value.';
  }
}

/** How a problem's detail names the fields of each part of a request. */
const PART_WORDS: Record<string, string> = {
  body: 'field',
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
};

/** Installs the one error handler and the 404 handler. */
export function installProblemHandlers(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError & { validationContext?: string }, request, reply) => {
    if (error instanceof AppError) {
      return sendProblem(
        reply,
        problemBody(request, error.status, error.code, error.message, error.errors),
        error.headers,
      );
    }
    if (error.validation) {
      const context = error.validationContext ?? 'body';
      const errors = fieldErrorsFromAjv(error.validation as unknown as AjvError[], context);
      const detail = fixThese(PART_WORDS[context] ?? context, errors);
      return sendProblem(reply, problemBody(request, 400, 'validation_error', detail, errors));
    }
    const known = error.code ? FASTIFY_CODES[error.code] : undefined;
    if (known) {
      return sendProblem(reply, problemBody(request, known[0], known[1], error.message));
    }
    const db = databaseProblem(error);
    if (db) {
      request.log.warn({ err: error }, 'database error reached the error handler');
      return sendProblem(reply, problemBody(request, db.status, db.code, db.detail), db.headers);
    }
    const status = error.statusCode ?? 500;
    if (status === 429) {
      return sendProblem(reply, problemBody(request, 429, 'rate_limited', error.message));
    }
    if (status >= 400 && status < 500) {
      // Fastify's own client errors carry safe, specific messages.
      return sendProblem(reply, problemBody(request, status, 'bad_request', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      reply,
      problemBody(
        request,
        500,
        'internal_error',
        `An unexpected error occurred. Quote request id ${request.id} when reporting it.`,
      ),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problemBody(request, 404, 'route_not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
}

/**
 * Fastify's `frameworkErrors`: errors the router meets before any route or hook runs
 * (a malformed URL, a path segment past `maxParamLength`), as problem+json.
 */
export function frameworkErrorHandler(maxParamLength: number) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('x-request-id', request.id);
    const [status, code, detail]: [number, ErrorCode, string] =
      error.code === 'FST_ERR_BAD_URL'
        ? [400, 'bad_request', 'The URL is malformed (for example, an invalid percent-encoding).']
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? [414, 'uri_too_long', `A path segment is longer than ${maxParamLength} characters.`]
          : [500, 'internal_error', `An unexpected error occurred. Quote request id ${request.id} when reporting it.`];
    if (status === 500) request.log.error({ err: error }, 'router error');
    void sendProblem(reply, problemBody(request, status, code, detail));
  };
}

/** What Node's HTTP parser rejects, before Fastify sees a request: status, code, detail. */
function clientErrorProblem(code: string): [number, ErrorCode, string] {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'headers_too_large', 'The request line and headers are larger than the server accepts.'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request_timeout', 'The request was not received in time.'];
    default:
      return [400, 'bad_request', 'The request is not valid HTTP.'];
  }
}

/**
 * Fastify's `clientErrorHandler`: Node answers these (431, 408, malformed HTTP) on the raw
 * socket, so the problem+json response is written there, then the connection is closed.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] = clientErrorProblem(error.code ?? '');
  const id = randomUUID();
  this.log.debug({ err: error, requestId: id }, 'client error');
  // As Node does: never write into a response that has already started on this connection.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const body = JSON.stringify(problemBody({ id }, status, code, detail));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${id}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(error);
}
