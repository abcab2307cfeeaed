/**
 * Domain errors and the stable error codes. Services throw these; one handler
 * (http/problem.ts) renders them as application/problem+json.
 */

import { ERROR_CODES, type ErrorCode } from '../contract/errors.js';

export { ERROR_CODES, type ErrorCode };

export type FieldErrors = Record<string, string[]>;

/**
 * The house voice of field messages (docs/api.md, "Error messages"): one short sentence about
 * the field its key names, saying what the value must be or what to do, in plain words — no
 * framework terms, no "pk", no "Ensure that". A missing object is named by its id.
 */
export const say = {
  required: 'Required.',
  blank: 'Must not be blank.',
  atLeast: (limit: number | string) => `Must be at least ${limit}.`,
  atMost: (limit: number | string) => `Must be at most ${limit}.`,
  moreThan: (limit: number | string) => `Must be more than ${limit}.`,
  lessThan: (limit: number | string) => `Must be less than ${limit}.`,
  /** `No category with id 99.` */
  noSuch: (thing: string, id: number | string) => `No ${thing} with id ${id}.`,
} as const;

/** Adds a message to a field (once). */
export function addFieldError(errors: FieldErrors, field: string, message: string): void {
  const list = (errors[field] ??= []);
  if (!list.includes(message)) list.push(message);
}

/**
 * The top-level fields that already have a message (`rates.0.price` counts as `rates`): a
 * service that merges its own checks with the schema's skips these, so that each field is
 * judged once, on a value of the type it expects.
 */
export function wrongFields(errors: FieldErrors): Set<string> {
  return new Set(Object.keys(errors).map((field) => field.split('.')[0]!));
}

/** Throws one ValidationError naming every field in `errors`, if any. */
export function throwIfAny(errors: FieldErrors): void {
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    detail: string,
    readonly errors?: FieldErrors,
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

/** 400 with per-field messages. */
export class ValidationError extends AppError {
  constructor(errors: FieldErrors, detail?: string) {
    const fields = Object.keys(errors);
    super(
      400,
      'validation_error',
      detail ?? (fields.length ? fixThese('field', errors) : 'The input is not valid.'),
      errors,
    );
  }

  /** A single field's message. */
  static field(field: string, message: string): ValidationError {
    return new ValidationError({ [field]: [message] });
  }
}

export class BadRequest extends AppError {
  constructor(detail: string, code: ErrorCode = 'bad_request', errors?: FieldErrors) {
    super(400, code, detail, errors);
  }
}

export class Unauthorized extends AppError {
  constructor(detail = 'Authentication credentials were not provided.', code: ErrorCode = 'not_authenticated') {
    super(401, code, detail, undefined, { 'WWW-Authenticate': 'Bearer' });
  }
}

export class Forbidden extends AppError {
  constructor(detail = 'You do not have permission to perform this action.') {
    super(403, 'permission_denied', detail);
  }
}

export class NotFound extends AppError {
  constructor(detail = 'Not found.') {
    super(404, 'not_found', detail);
  }
}

export class Conflict extends AppError {
  constructor(detail: string, code: ErrorCode = 'conflict') {
    super(409, code, detail);
  }
}

export class TooManyRequests extends AppError {
  constructor(detail: string, retryAfterSeconds: number, code: ErrorCode = 'rate_limited') {
    super(429, code, detail, undefined, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

/** 503: a dependency is down or not configured; Retry-After says when to try again. */
export class ServiceUnavailable extends AppError {
  constructor(detail: string, retryAfterSeconds = 5) {
    super(503, 'service_unavailable', detail, undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

/** A cart or order whose total would pass MAX_TOTAL_PAISE (400 total_too_large). */
export class TotalTooLarge extends AppError {
  constructor(total: string, field?: string) {
    const detail = `The total would be ${total}; a cart or order may total at most 99999999.99.`;
    super(400, 'total_too_large', detail, field ? { [field]: [detail] } : undefined);
  }
}

/** A validation problem's `detail`: `Fix these fields: name: Required. price: Must be more than 0.` */
export function fixThese(what: string, errors: FieldErrors): string {
  const entries = Object.entries(errors);
  const sentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
  const summary = entries.map(([field, messages]) => `${field}: ${sentence(messages.join(' '))}`).join(' ');
  return entries.length === 1 ? `Fix this ${what}: ${summary}` : `Fix these ${what}s: ${summary}`;
}

/** Markdown list of the codes, for the OpenAPI description. */
export function errorCodesMarkdown(): string {
  return Object.entries(ERROR_CODES)
    .map(([code, [status, meaning]]) => `- \`${code}\` (${status}): ${meaning}`)
    .join('\n');
}
