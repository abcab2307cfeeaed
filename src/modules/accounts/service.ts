import { randomUUID } from 'node:crypto';
import type { Database, Executor, Tx } from '../../db/client.js';
import {
  type FieldErrors,
  NotFound,
  TooManyRequests,
  Unauthorized,
  ValidationError,
} from '../../http/errors.js';
import { type LoginLimiter, loginKey } from './login-limiter.js';
import { rethrowNameConflict, takenNameErrors } from './login-names.js';
import { type PasswordHasher, passwordProblems } from './passwords.js';
import * as repo from './repository.js';
import type { ProfileInput, RegisterInput } from './schemas.js';
import type { TokenSigner } from './tokens.js';

export interface AccountsDeps {
  database: Database;
  signer: TokenSigner;
  hasher: PasswordHasher;
  limiter: LoginLimiter;
}

/** The authenticated caller, as routes and services see it. */
export interface Actor {
  id: number;
  username: string;
  isStaff: boolean;
}

export interface ClientMeta {
  ip: string;
  userAgent?: string;
}

export interface Tokens {
  access: string;
  refresh: string;
}

/** Runs inside the login/register transaction (the cart module merges a guest cart here). */
export type AfterLogin = (tx: Tx, userId: number) => Promise<void>;

const BAD_CREDENTIALS = 'No active account found with the given credentials.';

/** Starts a new session (refresh-token family) and signs its first token pair. */
async function startSession(
  deps: AccountsDeps,
  tx: Executor,
  user: { id: number; tokenVersion: number },
  meta: ClientMeta,
): Promise<Tokens> {
  const tokenId = randomUUID();
  await repo.insertRefreshToken(tx, {
    id: tokenId,
    userId: user.id,
    familyId: tokenId,
    expiresAt: new Date(Date.now() + deps.signer.refreshTtlSeconds * 1000),
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 255),
  });
  return {
    access: await deps.signer.signAccess(user.id, user.tokenVersion, tokenId),
    refresh: await deps.signer.signRefresh(user.id, tokenId, tokenId),
  };
}

async function throttle(deps: AccountsDeps, key: string, what: string) {
  const wait = await deps.limiter.acquire(key);
  if (wait > 0) {
    throw new TooManyRequests(`${what} Try again in ${wait} seconds.`, wait, 'too_many_login_attempts');
  }
}

/** Creates an account and its first session. */
export async function register(
  deps: AccountsDeps,
  input: RegisterInput,
  meta: ClientMeta,
  afterLogin?: AfterLogin,
): Promise<{ user: repo.UserRow; tokens: Tokens }> {
  const username = input.username.trim();
  const email = input.email.trim();
  const errors: FieldErrors = {};
  if (input.password !== input.password2) errors.password2 = ["Password fields didn't match."];
  const problems = await passwordProblems(input.password, {
    username,
    email,
    first_name: input.first_name,
    last_name: input.last_name,
  });
  if (problems.length) errors.password = problems;
  const { db } = deps.database;
  Object.assign(errors, await takenNameErrors(db, { username, email }));
  if (Object.keys(errors).length) throw new ValidationError(errors);

  const passwordHash = await deps.hasher.hash(input.password);
  try {
    return await db.transaction(async (tx) => {
      const user = await repo.insertUser(tx, {
        username,
        email,
        passwordHash,
        firstName: input.first_name.trim(),
        lastName: input.last_name.trim(),
        phone: input.phone?.trim() ?? '',
        lastLogin: new Date(),
      });
      const tokens = await startSession(deps, tx, user, meta);
      await afterLogin?.(tx, user.id);
      return { user, tokens };
    });
  } catch (err) {
    // A concurrent registration or email change took a name between the check and the insert.
    return rethrowNameConflict(db, err, { username, email });
  }
}

/** Checks credentials (username or email) under the failed-login limit and starts a session. */
export async function login(
  deps: AccountsDeps,
  input: { username: string; password: string },
  meta: ClientMeta,
  afterLogin?: AfterLogin,
): Promise<{ user: repo.UserRow; tokens: Tokens }> {
  const { db } = deps.database;
  const found = await repo.findUserByLogin(db, input.username.trim());
  // Per account when the name resolves to one (its username and email share the count),
  // per typed name otherwise. Counted before the check (a success resets it), so that
  // parallel guesses share the limit.
  const key = loginKey(found ? `#${found.id}` : input.username, meta.ip);
  await throttle(deps, key, 'Too many failed login attempts.');
  const valid = await deps.hasher.verify(found?.passwordHash ?? null, input.password);
  if (!found || !valid || !found.isActive) {
    throw new Unauthorized(BAD_CREDENTIALS, 'authentication_failed');
  }
  await deps.limiter.reset(key);
  // A hash made under older settings is replaced while the password is at hand.
  const passwordHash = deps.hasher.needsRehash(found.passwordHash)
    ? await deps.hasher.hash(input.password)
    : undefined;
  return db.transaction(async (tx) => {
    const user = (await repo.updateUser(tx, found.id, { lastLogin: new Date(), passwordHash })) ?? found;
    const tokens = await startSession(deps, tx, user, meta);
    await afterLogin?.(tx, user.id);
    return { user, tokens };
  });
}

/**
 * Rotates a refresh token. Presenting one that was already rotated or revoked is taken
 * as theft: the whole family is revoked, and the caller gets 401.
 */
export async function refresh(deps: AccountsDeps, token: string): Promise<Tokens> {
  const claims = await deps.signer.verifyRefresh(token);
  const successorId = randomUUID();
  type Outcome = { tokens: Tokens } | { reused: boolean };
  const outcome = await deps.database.db.transaction(async (tx): Promise<Outcome> => {
    const rotated = await repo.rotateRefreshToken(tx, claims.tokenId, successorId);
    if (!rotated) {
      const existing = await repo.findRefreshToken(tx, claims.tokenId);
      // Theft is likely: the whole login ends, its access tokens included (they carry the family).
      if (existing?.revokedAt) await repo.revokeFamily(tx, existing.familyId);
      return { reused: Boolean(existing?.revokedAt) };
    }
    const user = await repo.findAuthUser(tx, rotated.userId);
    if (!user?.isActive) {
      await repo.revokeUserTokens(tx, rotated.userId);
      return { reused: false };
    }
    await repo.insertRefreshToken(tx, {
      id: successorId,
      userId: user.id,
      familyId: rotated.familyId,
      expiresAt: new Date(Date.now() + deps.signer.refreshTtlSeconds * 1000),
    });
    return {
      tokens: {
        access: await deps.signer.signAccess(user.id, user.tokenVersion, rotated.familyId),
        refresh: await deps.signer.signRefresh(user.id, successorId, rotated.familyId),
      },
    };
  });
  if ('tokens' in outcome) return outcome.tokens;
  throw new Unauthorized(
    outcome.reused
      ? 'The refresh token was already used; every session from that login has been revoked.'
      : 'The refresh token is invalid or revoked.',
    'token_invalid',
  );
}

/** Revokes one session (the given refresh token's family), or every session and access token. */
export async function logout(
  deps: AccountsDeps,
  actor: Actor,
  input: { refresh?: string; all?: boolean },
): Promise<void> {
  const { db } = deps.database;
  if (input.all) {
    await db.transaction(async (tx) => {
      await repo.revokeUserTokens(tx, actor.id);
      await repo.bumpTokenVersion(tx, actor.id);
    });
    return;
  }
  if (!input.refresh) throw ValidationError.field('refresh', 'This field is required.');
  const claims = await deps.signer.verifyRefresh(input.refresh).catch(() => null);
  const row = claims && (await repo.findRefreshToken(db, claims.tokenId));
  if (!row || row.userId !== actor.id) {
    throw ValidationError.field('refresh', 'Token is invalid or expired.');
  }
  await repo.revokeFamily(db, row.familyId);
}

/**
 * Authenticates a bearer access token: signature, kind, expiry, then in one query the
 * user (active, same token version) and the login it belongs to (not logged out or revoked).
 */
export async function authenticate(deps: AccountsDeps, token: string): Promise<Actor> {
  const claims = await deps.signer.verifyAccess(token);
  const user = await repo.readAuthUser(deps.database.db, claims.userId, claims.familyId);
  if (!user || !user.isActive) {
    throw new Unauthorized('The user of this token is inactive or deleted.', 'token_invalid');
  }
  if (user.tokenVersion !== claims.version || !user.sessionLive) {
    throw new Unauthorized('The access token has been revoked; log in again.', 'token_invalid');
  }
  return { id: user.id, username: user.username, isStaff: user.isStaff };
}

export async function getProfile(deps: AccountsDeps, actor: Actor): Promise<repo.UserRow> {
  const user = await repo.findUserById(deps.database.db, actor.id);
  if (!user) throw new NotFound('User not found.');
  return user;
}

/** Updates the writable profile fields; the rest of the body is ignored. */
export async function updateProfile(
  deps: AccountsDeps,
  actor: Actor,
  input: ProfileInput,
): Promise<repo.UserRow> {
  const { db } = deps.database;
  const email = input.email?.trim();
  const taken = await takenNameErrors(db, { email }, actor.id);
  if (Object.keys(taken).length) throw new ValidationError(taken);
  try {
    const user = await repo.updateUser(db, actor.id, {
      email,
      firstName: input.first_name?.trim(),
      lastName: input.last_name?.trim(),
      phone: input.phone?.trim(),
    });
    if (!user) throw new NotFound('User not found.');
    return user;
  } catch (err) {
    return rethrowNameConflict(db, err, { email }, actor.id);
  }
}

/** Sets a new password, ends every other session and access token, and starts a new session. */
export async function changePassword(
  deps: AccountsDeps,
  actor: Actor,
  input: { old_password: string; new_password: string },
  meta: ClientMeta,
): Promise<Tokens> {
  const { db } = deps.database;
  const user = await getProfile(deps, actor);
  // Guesses at the old password with a stolen access token are limited like logins.
  const key = loginKey(`change-password#${user.id}`, meta.ip);
  await throttle(deps, key, 'Too many wrong old passwords.');
  if (!(await deps.hasher.verify(user.passwordHash, input.old_password))) {
    throw ValidationError.field('old_password', 'Old password is incorrect.');
  }
  await deps.limiter.reset(key);
  const problems = await passwordProblems(input.new_password, {
    username: user.username,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
  });
  if (problems.length) throw new ValidationError({ new_password: problems });
  const passwordHash = await deps.hasher.hash(input.new_password);
  return db.transaction(async (tx) => {
    await repo.bumpTokenVersion(tx, user.id);
    const updated = await repo.updateUser(tx, user.id, { passwordHash });
    await repo.revokeUserTokens(tx, user.id);
    return startSession(deps, tx, updated!, meta);
  });
}
