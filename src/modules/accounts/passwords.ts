import { hash, verify } from '@node-rs/argon2';
import { ValidationError } from '../../http/errors.js';

const ARGON2ID = 2; // Algorithm.Argon2id (a const enum, not importable under verbatimModuleSyntax)

/** Argon2id hashing; verifying against a dummy hash keeps unknown users as slow as known ones. */
export class PasswordHasher {
  private dummyHash: Promise<string> | null = null;

  constructor(private readonly cost: { memoryCost: number; timeCost: number }) {}

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: ARGON2ID, parallelism: 1, ...this.cost });
  }

  /** Whether a stored hash was made with other settings than the current ones (rehash it at login). */
  needsRehash(passwordHash: string): boolean {
    const params = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash);
    return !params || Number(params[1]) !== this.cost.memoryCost || Number(params[2]) !== this.cost.timeCost || params[3] !== '1';
  }

  async verify(passwordHash: string | null, password: string): Promise<boolean> {
    if (passwordHash === null) {
      this.dummyHash ??= this.hash('dummy password for timing');
      await verify(await this.dummyHash, password).catch(() => false);
      return false;
    }
    try {
      return await verify(passwordHash, password);
    } catch {
      return false;
    }
  }
}

export const MIN_PASSWORD_LENGTH = 8;
const MAX_SIMILARITY = 0.7;

let common: Promise<Set<string>> | null = null;

/** The ~49,000 most common passwords (zxcvbn-ts's list), loaded once. */
export function commonPasswords(): Promise<Set<string>> {
  common ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) =>
      new Set((dictionary as Record<string, string[]>)['passwords-common']!.map((p) => p.toLowerCase())),
  );
  return common;
}

/**
 * Django's four password validators: length, numeric, common, similar to the user's
 * attributes. Returns the messages for every rule the password breaks.
 */
export async function passwordProblems(
  password: string,
  attributes: { username?: string; email?: string; first_name?: string; last_name?: string },
): Promise<string[]> {
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) {
    problems.push(
      `This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`,
    );
  }
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric.');
  if ((await commonPasswords()).has(password.trim().toLowerCase())) {
    problems.push('This password is too common.');
  }
  const labels: Record<string, string> = {
    username: 'username',
    email: 'email address',
    first_name: 'first name',
    last_name: 'last name',
  };
  for (const [key, value] of Object.entries(attributes)) {
    if (value && isTooSimilar(password, value)) {
      problems.push(`The password is too similar to the ${labels[key] ?? key}.`);
      break;
    }
  }
  return problems;
}

/** True when the password resembles the value or one of its word parts (ratio ≥ 0.7). */
export function isTooSimilar(password: string, value: string): boolean {
  const pwd = password.toLowerCase();
  const whole = value.toLowerCase();
  const parts = [...whole.split(/[^\p{L}\p{N}_]+/u), whole].filter(Boolean);
  return parts.some((part) => {
    // As Django: a short part inside a much longer password is not a resemblance.
    if (pwd.length >= 10 * part.length && part.length < (MAX_SIMILARITY / 2) * pwd.length) {
      return false;
    }
    return similarity(pwd, part) >= MAX_SIMILARITY;
  });
}

/** 2·LCS / (|a| + |b|): 1 for equal strings, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
  if (!a.length && !b.length) return 1;
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      row[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    }
    prev = row;
  }
  return (2 * prev[b.length]!) / (a.length + b.length);
}

type PasswordOwner = { username: string; email: string; firstName: string; lastName: string };

/** The rules a stored user's new password breaks (none: an empty list). */
export function newPasswordProblems(user: PasswordOwner, password: string): Promise<string[]> {
  return passwordProblems(password, {
    username: user.username,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
  });
}

/**
 * A user's new password, checked against the rules (a 400 naming `new_password` lists what
 * it breaks) and hashed: the reset's path (a password change reports the problems with its
 * other fields, then hashes).
 */
export async function newPasswordHash(hasher: PasswordHasher, user: PasswordOwner, password: string): Promise<string> {
  const problems = await newPasswordProblems(user, password);
  if (problems.length) throw new ValidationError({ new_password: problems });
  return hasher.hash(password);
}
