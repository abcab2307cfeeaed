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
