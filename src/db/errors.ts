/** The PostgreSQL error behind a driver or Drizzle error (Drizzle wraps it as `cause`). */
export interface PgError {
  code: string;
  constraint?: string;
  detail?: string;
}

export function pgError(err: unknown): PgError | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const candidate = e as { code?: unknown; severity?: unknown; cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) {
      return candidate as PgError;
    }
    e = candidate.cause;
  }
  return undefined;
}

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const pg = pgError(err);
  return pg?.code === '23505' && (!constraint || pg.constraint === constraint);
}

/**
 * A row is still referenced: `foreign_key_violation` (23503, NO ACTION) or, for a foreign key
 * declared ON DELETE RESTRICT, `restrict_violation` (23001).
 */
export function isReferencedViolation(err: unknown): boolean {
  const code = pgError(err)?.code;
  return code === '23503' || code === '23001';
}

/**
 * What a database error means for the request that met it, by SQLSTATE class, when no
 * service handled it: the client's input (`input`: a value PostgreSQL cannot take, 400), or
 * the database being out of reach (`unavailable`: retry later, 503). Undefined: a bug (500).
 */
export type DbFailure = 'input' | 'unavailable';

// Node's network errors on the way to PostgreSQL (a restart, failover, a pooler going away).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

// What `pg` and `pg-pool` throw, with no code, when a connection breaks or cannot be had.
const CONNECTION_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'timeout exceeded when trying to connect',
  'Connection terminated',
];

/** SQLSTATEs (exact, or a class by its first two characters) that mean "the database is not there". */
function unavailableState(code: string): boolean {
  return (
    code.startsWith('08') || // connection exception
    code.startsWith('53') || // insufficient resources: too many connections, out of memory, disk full
    code.startsWith('58') || // system error (I/O)
    code === '57P01' || // admin_shutdown: pg_terminate_backend, a restart
    code === '57P02' || // crash_shutdown
    code === '57P03' || // cannot_connect_now: starting up, in recovery
    code === '57P05' || // idle_session_timeout
    code === '57014' || // query_canceled: statement_timeout
    code === '25P03' || // idle_in_transaction_session_timeout
    code === '55P03' // lock_not_available: lock_timeout
  );
}

/** SQLSTATEs that a client's value can cause: class 22 (data exception), 54 (program limit). */
function inputState(code: string): boolean {
  return code.startsWith('22') || code.startsWith('54');
}

/** Classifies a database (or driver) error, looking through wrappers' `cause`. */
export function dbFailure(err: unknown): DbFailure | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const candidate = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    const code = typeof candidate.code === 'string' ? candidate.code : '';
    if (NETWORK_CODES.has(code)) return 'unavailable';
    if (/^[0-9A-Z]{5}$/.test(code) && /\d/.test(code)) {
      if (unavailableState(code)) return 'unavailable';
      if (inputState(code)) return 'input';
    }
    const message = typeof candidate.message === 'string' ? candidate.message : '';
    if (CONNECTION_MESSAGES.some((m) => message.startsWith(m))) return 'unavailable';
    // Node's connect() to several addresses fails with an AggregateError of each attempt.
    if (Array.isArray(candidate.errors) && candidate.errors.some((inner) => dbFailure(inner) === 'unavailable')) {
      return 'unavailable';
    }
    e = candidate.cause;
  }
  return undefined;
}
