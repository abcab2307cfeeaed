import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { Problem } from '../../src/http/problem.js';

/**
 * Asserts a problem+json answer with the given status and code; when `field` is given,
 * also that `errors[field]` holds at least one message. Returns the body.
 */
export function expectProblem(
  res: LightMyRequestResponse,
  status: number,
  code: string,
  field?: string,
): Problem {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json<Problem>();
  expect(body).toMatchObject({ type: `urn:shop:problem:${code}`, status, code });
  expect(body.detail).toEqual(expect.any(String));
  expect(body.request_id).toEqual(expect.any(String));
  if (field !== undefined) {
    const messages = body.errors?.[field];
    expect(messages, `errors.${field} in ${res.body}`).toBeInstanceOf(Array);
    expect(messages!.length).toBeGreaterThan(0);
    for (const message of messages!) expect(message).toEqual(expect.any(String));
  }
  return body;
}

/** No password hash, in any form, in a response body. */
export function expectNoSecrets(res: LightMyRequestResponse): void {
  expect(res.body).not.toMatch(/password_hash|passwordHash|\$argon2/);
}
