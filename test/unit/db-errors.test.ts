import { describe, expect, it } from 'vitest';
import { dbFailure } from '../../src/db/errors.js';
import { databaseProblem } from '../../src/http/problem.js';

/** A driver error as `pg` builds it (a DatabaseError with a SQLSTATE), wrapped as Drizzle does. */
function pgErr(code: string, wrapped = true): Error {
  const driver = Object.assign(new Error(`error ${code}`), { code, severity: 'ERROR' });
  return wrapped ? new Error('Failed query: select 1\nparams: ', { cause: driver }) : driver;
}

describe('database errors by class', () => {
  it.each([
    ['22P02', 'invalid text representation'],
    ['22003', 'numeric field overflow'],
    ['22007', 'invalid datetime format'],
    ['22008', 'datetime field overflow'],
    ['22023', 'invalid parameter value (time zone)'],
    ['22P05', 'untranslatable character (\\u0000 in jsonb)'],
    ['22021', 'NUL byte in text'],
    ['22001', 'string too long'],
    ['22012', 'division by zero'],
    ['2200H', 'sequence generator limit (any class 22)'],
    ['54000', 'index row too big'],
    ['54001', 'statement too complex'],
  ])('%s (%s) is the client\'s input: 400 bad_request', (code) => {
    expect(dbFailure(pgErr(code))).toBe('input');
    expect(databaseProblem(pgErr(code))).toMatchObject({ status: 400, code: 'bad_request' });
    // No SQL or internals in the detail.
    expect(databaseProblem(pgErr(code))!.detail).not.toMatch(/select|error 2|error 5/i);
  });

  it.each([
    ['08006', 'connection failure'],
    ['08003', 'connection does not exist'],
    ['57P01', 'admin shutdown (pg_terminate_backend, restart)'],
    ['57P02', 'crash shutdown'],
    ['57P03', 'cannot connect now (starting up)'],
    ['53300', 'too many connections'],
    ['57014', 'statement timeout'],
    ['25P03', 'idle in transaction timeout'],
  ])('%s (%s) is 503 service_unavailable with Retry-After', (code) => {
    expect(dbFailure(pgErr(code))).toBe('unavailable');
    const problem = databaseProblem(pgErr(code))!;
    expect(problem).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(Number(problem.headers!['Retry-After'])).toBeGreaterThanOrEqual(1);
  });

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'])(
    'a Node network error %s on the way to PostgreSQL is 503',
    (code) => {
      const err = Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -1, syscall: 'connect' });
      expect(databaseProblem(err)).toMatchObject({ status: 503, code: 'service_unavailable' });
      expect(databaseProblem(new Error('Failed query', { cause: err }))).toMatchObject({ status: 503 });
    },
  );

  it('an AggregateError of refused connections (several addresses) is 503', () => {
    const inner = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
    expect(databaseProblem(new AggregateError([inner, inner]))).toMatchObject({ status: 503 });
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'Client has encountered a connection error and is not queryable',
    'Client was closed and is not queryable',
    'timeout exceeded when trying to connect',
  ])('pg\'s "%s" (no code) is 503', (message) => {
    expect(databaseProblem(new Error(message))).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(databaseProblem(new Error('Failed query: rollback', { cause: new Error(message) }))).toMatchObject({
      status: 503,
    });
  });

  it('constraint violations keep their answers; serialization failures are 503 with Retry-After', () => {
    expect(databaseProblem(pgErr('23505'))).toMatchObject({ status: 409, code: 'conflict' });
    expect(databaseProblem(pgErr('23503'))).toMatchObject({ status: 409, code: 'conflict' });
    expect(databaseProblem(pgErr('23514'))).toMatchObject({ status: 400, code: 'validation_error' });
    expect(databaseProblem(pgErr('40001'))).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
    expect(databaseProblem(pgErr('40P01'))).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
  });

  it('anything else stays a bug (undefined: a 500): syntax errors, missing tables, plain errors', () => {
    expect(databaseProblem(pgErr('42601'))).toBeUndefined();
    expect(databaseProblem(pgErr('42P01'))).toBeUndefined();
    expect(databaseProblem(new Error('boom'))).toBeUndefined();
    expect(databaseProblem(Object.assign(new Error('x'), { code: 'EPERM' }))).toBeUndefined();
  });
});
