import { describe, expect, it } from 'vitest';
import {
  commonPasswords,
  isTooSimilar,
  MIN_PASSWORD_LENGTH,
  PasswordHasher,
  passwordProblems,
  similarity,
} from '../../src/modules/accounts/passwords.js';

const SHORT = 'This password is too short. It must contain at least 8 characters.';
const NUMERIC = 'This password is entirely numeric.';
const COMMON = 'This password is too common.';

describe('similarity', () => {
  it('is 1 for equal strings, including two empty ones', () => {
    expect(similarity('abc', 'abc')).toBe(1);
    expect(similarity('', '')).toBe(1);
  });

  it('is 0 when nothing is shared, or one side is empty', () => {
    expect(similarity('abc', 'xyz')).toBe(0);
    expect(similarity('abc', '')).toBe(0);
    expect(similarity('', 'abc')).toBe(0);
  });

  it('is 2·LCS / (|a| + |b|)', () => {
    expect(similarity('abcd', 'abef')).toBe(0.5); // LCS "ab"
    expect(similarity('abcd', 'acbd')).toBe(0.75); // LCS "abd"
    expect(similarity('kitten', 'sitting')).toBeCloseTo((2 * 4) / 13); // LCS "ittn"
    expect(similarity('abc', 'abcdef')).toBeCloseTo(6 / 9);
  });

  it('is symmetric and case-sensitive', () => {
    expect(similarity('password', 'drowssap')).toBe(similarity('drowssap', 'password'));
    expect(similarity('ABC', 'abc')).toBe(0);
  });
});

describe('isTooSimilar', () => {
  it('flags the value itself, case-insensitively, and small variations', () => {
    expect(isTooSimilar('priyanka', 'priyanka')).toBe(true);
    expect(isTooSimilar('PRIYANKA', 'priyanka')).toBe(true);
    expect(isTooSimilar('priyanka1', 'Priyanka')).toBe(true);
    expect(isTooSimilar('priyanka2024', 'priyanka')).toBe(true);
  });

  it('compares with each word part of the value as well as the whole', () => {
    // The whole email is long, but its local part is nearly the password.
    expect(isTooSimilar('rajesh.k!', 'rajesh.k@some-long-company-domain.example')).toBe(true);
    expect(isTooSimilar('company99', 'someone@company.in')).toBe(true);
  });

  it("keeps underscores inside a part, as Python's \\w does", () => {
    // "anil_kumar" is one part: "kumar" alone is not a part of it.
    expect(isTooSimilar('kumar', 'anil_kumar')).toBe(false);
    expect(isTooSimilar('kumar', 'anil.kumar')).toBe(true);
  });

  it('does not flag unrelated values', () => {
    expect(isTooSimilar('Correct-Horse-42', 'priyanka')).toBe(false);
    expect(isTooSimilar('Correct-Horse-42', 'user_0a1b2c3d4e@example.com')).toBe(false);
  });

  it('does not flag a short part inside a much longer password (as Django)', () => {
    // "ab" is 2 chars, the password 20: 20 ≥ 10·2 and 2 < 0.35·20, so the part is skipped.
    const long = 'ab-xxxxxxxxxxxxxxxxx';
    expect(long).toHaveLength(20);
    expect(isTooSimilar(long, 'ab')).toBe(false);
    // but a short value equal to a short password is still flagged
    expect(isTooSimilar('ab', 'ab')).toBe(true);
  });

  it('flags at exactly the 0.7 threshold and not below', () => {
    // LCS 7 of 10 + 10 → 0.7
    expect(similarity('abcdefgxyz', 'abcdefgpqr')).toBe(0.7);
    expect(isTooSimilar('abcdefgxyz', 'abcdefgpqr')).toBe(true);
    // LCS 6 of 20 → 0.6
    expect(isTooSimilar('abcdefwxyz', 'abcdefpqrs')).toBe(false);
  });

  it('ignores empty values', () => {
    expect(isTooSimilar('anything-at-all', '')).toBe(false);
    expect(isTooSimilar('anything-at-all', '@@..')).toBe(false);
  });
});

describe('passwordProblems', () => {
  it('accepts a good password', async () => {
    expect(
      await passwordProblems('Correct-Horse-42', { username: 'meera', email: 'meera@example.com' }),
    ).toEqual([]);
  });

  it(`requires at least ${MIN_PASSWORD_LENGTH} characters`, async () => {
    expect(await passwordProblems('Xy7$kq2', {})).toEqual([SHORT]);
    expect(await passwordProblems('Xy7$kq2w', {})).toEqual([]);
  });

  it('refuses an entirely numeric password', async () => {
    expect(await passwordProblems('73920581647', {})).toEqual([NUMERIC]);
    expect(await passwordProblems('7392058164a', {})).toEqual([]);
  });

  it('refuses a common password, case- and space-insensitively', async () => {
    const common = await commonPasswords();
    expect(common.size).toBeGreaterThan(10_000);
    for (const pwd of ['password123', 'qwerty123', 'iloveyou']) expect(common.has(pwd)).toBe(true);
    expect(await passwordProblems('password123', {})).toEqual([COMMON]);
    expect(await passwordProblems('QWERTY123', {})).toEqual([COMMON]);
    expect(await passwordProblems('  qwerty123 ', {})).toEqual([COMMON]);
  });

  it('reports every rule broken', async () => {
    expect(await passwordProblems('1234', {})).toEqual([SHORT, NUMERIC, COMMON]);
  });

  it.each([
    ['username', { username: 'harshvardhan' }, 'The password is too similar to the username.'],
    [
      'email',
      { email: 'harshvardhan@example.com' },
      'The password is too similar to the email address.',
    ],
    [
      'first_name',
      { first_name: 'Harshvardhan' },
      'The password is too similar to the first name.',
    ],
    ['last_name', { last_name: 'Harshvardhan' }, 'The password is too similar to the last name.'],
  ])('refuses a password too similar to the %s', async (_field, attributes, message) => {
    expect(await passwordProblems('harshvardhan77', attributes)).toEqual([message]);
  });

  it('names only the first similar attribute', async () => {
    const problems = await passwordProblems('harshvardhan77', {
      username: 'harshvardhan',
      email: 'harshvardhan@example.com',
    });
    expect(problems).toEqual(['The password is too similar to the username.']);
  });

  it('skips empty attributes', async () => {
    expect(
      await passwordProblems('Correct-Horse-42', { username: '', email: '', first_name: '' }),
    ).toEqual([]);
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher({ memoryCost: 1024, timeCost: 1 });

  it('hashes with argon2id, salted, and verifies', async () => {
    const a = await hasher.hash('Correct-Horse-42');
    const b = await hasher.hash('Correct-Horse-42');
    expect(a).toMatch(/^\$argon2id\$/);
    expect(a).not.toBe(b);
    expect(await hasher.verify(a, 'Correct-Horse-42')).toBe(true);
    expect(await hasher.verify(a, 'correct-horse-42')).toBe(false);
  });

  it('answers false, not an error, for a missing or malformed hash', async () => {
    expect(await hasher.verify(null, 'anything')).toBe(false);
    expect(await hasher.verify('not-a-hash', 'anything')).toBe(false);
  });
});
