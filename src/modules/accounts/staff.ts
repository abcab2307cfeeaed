import { and, eq, sql } from 'drizzle-orm';
import type { Database, Executor } from '../../db/client.js';
import { users } from '../../db/schema/index.js';
import { type FieldErrors, ValidationError } from '../../http/errors.js';
import { rethrowNameConflict, takenNameErrors } from './login-names.js';
import { type PasswordHasher, passwordProblems } from './passwords.js';
import * as repo from './repository.js';

/**
 * The operator's `admin:create`: makes an existing user (by username) staff, or creates a
 * staff user with the given email and password, under the same rules as registration.
 */
export async function createOrPromoteAdmin(
  database: Database,
  hasher: PasswordHasher,
  input: { username: string; email: string; password: string },
): Promise<{ user: repo.UserRow; created: boolean }> {
  const { db } = database;
  const existing = await repo.findUserByLogin(db, input.username);
  if (existing && existing.username.toLowerCase() === input.username.toLowerCase()) {
    const user = await repo.updateUser(db, existing.id, { isStaff: true, isActive: true });
    return { user: user!, created: false };
  }
  const errors = await newStaffErrors(db, input);
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const passwordHash = await hasher.hash(input.password);
  try {
    const user = await repo.insertUser(db, {
      username: input.username,
      email: input.email,
      passwordHash,
      isStaff: true,
    });
    return { user, created: true };
  } catch (err) {
    return rethrowNameConflict(db, err, input);
  }
}

/** The active staff users' addresses and first names (who operational notices go to). */
export async function staffContacts(ex: Executor): Promise<{ email: string; name: string }[]> {
  const rows = await ex
    .select({ email: users.email, firstName: users.firstName, username: users.username })
    .from(users)
    .where(and(eq(users.isStaff, true), eq(users.isActive, true)))
    .orderBy(users.id);
  return rows.map((r) => ({ email: r.email, name: r.firstName || r.username }));
}

/**
 * What is wrong with a new staff account's fields, every field at once: the username's and
 * email's form, names taken, and the password rules of registration.
 */
export async function newStaffErrors(
  ex: Executor,
  input: { username: string; email: string; password: string },
): Promise<FieldErrors> {
  const errors: Partial<Record<'username' | 'email', string[]>> = {};
  if (!/^[\p{L}\p{N}_.@+-]{3,150}$/u.test(input.username)) {
    errors.username = ['Enter a valid username: 3–150 letters, digits and @/./+/-/_ only.'];
  }
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email)) errors.email = ['Enter a valid email address.'];
  const taken = await takenNameErrors(ex, {
    username: errors.username ? undefined : input.username,
    email: errors.email ? undefined : input.email,
  });
  const problems = await passwordProblems(input.password, { username: input.username, email: input.email });
  const out: FieldErrors = {};
  for (const field of ['username', 'email'] as const) {
    const messages = errors[field] ?? taken[field];
    if (messages) out[field] = messages;
  }
  if (problems.length) out.password = problems;
  return out;
}

/** Whether any staff account exists (active or not): first-run setup is over once one does. */
export async function staffExists(ex: Executor): Promise<boolean> {
  const [row] = await ex
    .select({ found: sql<number>`1` })
    .from(users)
    .where(eq(users.isStaff, true))
    .limit(1);
  return row !== undefined;
}
