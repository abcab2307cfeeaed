import { randomUUID } from 'node:crypto';
import type { Database, Tx } from '../../db/client.js';
import type { Actor } from '../../kernel/actor.js';
import {
  addFieldError,
  type FieldErrors,
  NotFound,
  say,
  throwIfAny,
  TooManyRequests,
  Unauthorized,
  ValidationError,
} from '../../http/errors.js';
import { checkedFields } from '../../http/validation.js';
import { type LoginLimiter, loginKey } from './login-limiter.js';
import { rethrowNameConflict, takenNameErrors } from './login-names.js';
import { newPasswordProblems, type PasswordHasher, passwordProblems } from './passwords.js';
import * as repo from './repository.js';
import type { ProfileInput, RegisterInput } from '../../contract/index.js';
import type { RefreshClaims, TokenSigner } from './tokens.js';
import { recordEvent } from '../events/index.js';
import type { MailSettings } from '../notifications/index.js';
import { endPasswordResets, queuePasswordChanged } from './password-reset.js';

export interface AccountsDeps {
  database: Database;
  signer: TokenSigner;
  hasher: PasswordHasher;
  limiter: LoginLimiter;
  /** REFRESH_REUSE_GRACE_SECONDS: how long a rotated refresh token still yields its successor. */
  refreshReuseGraceSeconds: number;
  /** Where e-mails link to and how they are branded (password reset, password changed). */
  mail: MailSettings;
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
export async function startSession(
  deps: AccountsDeps,
  tx: Tx,
  lock: repo.SessionLock,
  user: { id: number; tokenVersion: number },
  meta: ClientMeta,
): Promise<Tokens> {
  const tokenId = randomUUID();
  const issuedAt = nowSeconds();
  await repo.insertRefreshToken(tx, lock, {
    id: tokenId,
    familyId: tokenId,
    createdAt: new Date(issuedAt * 1000),
    expiresAt: new Date((issuedAt + deps.signer.refreshTtlSeconds) * 1000),
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 255),
  });
  return deps.signer.signPair(user.id, user.tokenVersion, tokenId, tokenId, issuedAt);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

async function throttle(deps: AccountsDeps, key: string, what: string) {
  const wait = await deps.limiter.acquire(key);
  if (wait > 0) {
    throw new TooManyRequests(`${what} Try again in ${wait} seconds.`, wait, 'too_many_login_attempts');
  }
}

/**
 * Every field of a registration that breaks a rule, the schema's messages (`schemaErrors`)
 * included: the fields the schema refused are not judged again, the rest are.
 */
async function registrationErrors(
  deps: AccountsDeps,
  input: Partial<RegisterInput>,
  schemaErrors: FieldErrors,
): Promise<FieldErrors> {
  const errors: FieldErrors = { ...schemaErrors };
  const username = input.username?.trim();
  const email = input.email?.trim();
  if (input.password !== undefined && input.password2 !== undefined && input.password !== input.password2) {
    addFieldError(errors, 'password2', "Password fields didn't match.");
  }
  if (input.password !== undefined) {
    const problems = await passwordProblems(input.password, {
      username,
      email,
      first_name: input.first_name,
      last_name: input.last_name,
    });
    for (const problem of problems) addFieldError(errors, 'password', problem);
  }
  const taken = await takenNameErrors(deps.database.db, { username, email });
  for (const [field, messages] of Object.entries(taken)) {
    for (const message of messages) addFieldError(errors, field, message);
  }
  return errors;
}

/**
 * Creates an account and its first session. `body` is the request's; `schemaErrors` its
 * schema's messages, reported in one 400 with every rule the rest of the body breaks.
 */
export async function register(
  deps: AccountsDeps,
  body: unknown,
  meta: ClientMeta,
  afterLogin?: AfterLogin,
  schemaErrors: FieldErrors = {},
): Promise<{ user: repo.UserRow; tokens: Tokens }> {
  throwIfAny(await registrationErrors(deps, checkedFields<RegisterInput>(body, schemaErrors), schemaErrors));
  // Every field passed the schema and the rules.
  const input = body as RegisterInput;
  const username = input.username.trim();
  const email = input.email.trim();
  const { db } = deps.database;

  const passwordHash = await deps.hasher.hash(input.password);
  try {
    return await db.transaction(async (tx) => {
      const inserted = await repo.insertUser(tx, {
        username,
        email,
        passwordHash,
        firstName: input.first_name.trim(),
        lastName: input.last_name.trim(),
        phone: input.phone?.trim() ?? '',
        lastLogin: new Date(),
      });
      const { user, lock } = (await repo.lockUserSessions(tx, inserted.id))!;
      // The welcome e-mail (and any webhook) follows from the event, once the account commits.
      await recordEvent(tx, 'customer.created', { customer_id: user.id });
      const tokens = await startSession(deps, tx, lock, user, meta);
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
    const locked = await repo.lockUserSessions(tx, found.id);
    // The password was checked before the lock: a change committed since then (a password
    // change, or a concurrent login's rehash) is checked again, so that no login with an
    // old password outlives the change.
    const unchanged = locked?.user.passwordHash === found.passwordHash;
    if (
      !locked?.user.isActive ||
      (!unchanged && !(await deps.hasher.verify(locked.user.passwordHash, input.password)))
    ) {
      throw new Unauthorized(BAD_CREDENTIALS, 'authentication_failed');
    }
    const patch = { lastLogin: new Date(), passwordHash: unchanged ? passwordHash : undefined };
    const user = (await repo.updateUser(tx, found.id, patch)) ?? locked.user;
    const tokens = await startSession(deps, tx, locked.lock, user, meta);
    await afterLogin?.(tx, user.id);
    return { user, tokens };
  });
}

type Rotation = { tokens: Tokens } | { reused: boolean };

/**
 * Rotates a refresh token. Presenting one that was already rotated is taken as theft: the
 * whole login is revoked and the caller gets 401 — unless it comes back within
 * REFRESH_REUSE_GRACE_SECONDS of its rotation while its successor is still live, when it
 * gets that same successor pair again (several tabs, a client retry).
 */
export async function refresh(deps: AccountsDeps, token: string): Promise<Tokens> {
  const claims = await deps.signer.verifyRefresh(token);
  const outcome = await deps.database.db.transaction((tx) => rotate(deps, tx, claims));
  if ('tokens' in outcome) return outcome.tokens;
  throw new Unauthorized(
    outcome.reused
      ? 'The refresh token was already used; every session from that login has been revoked.'
      : 'The refresh token is invalid or revoked.',
    'token_invalid',
  );
}

async function rotate(deps: AccountsDeps, tx: Tx, claims: RefreshClaims): Promise<Rotation> {
  // The user's row lock orders this rotation against every revocation (see SessionLock).
  const locked = await repo.lockUserSessions(tx, claims.userId);
  if (!locked) return { reused: false };
  const { user, lock } = locked;
  if (!user.isActive) {
    await repo.revokeUserTokens(tx, lock);
    return { reused: false };
  }
  const successorId = randomUUID();
  const rotated = await repo.rotateRefreshToken(tx, lock, claims.tokenId, successorId);
  if (!rotated) return presentedAgain(deps, tx, lock, user, claims.tokenId);
  const issuedAt = nowSeconds();
  await repo.insertRefreshToken(tx, lock, {
    id: successorId,
    familyId: rotated.familyId,
    createdAt: new Date(issuedAt * 1000),
    expiresAt: new Date((issuedAt + deps.signer.refreshTtlSeconds) * 1000),
  });
  return {
    tokens: await deps.signer.signPair(user.id, user.tokenVersion, rotated.familyId, successorId, issuedAt),
  };
}

/**
 * A refresh token that could not be rotated: unknown, expired, revoked by a logout (401), or
 * rotated already — reuse, which ends its login, or within the grace its successor again.
 */
async function presentedAgain(
  deps: AccountsDeps,
  tx: Tx,
  lock: repo.SessionLock,
  user: repo.UserRow,
  tokenId: string,
): Promise<Rotation> {
  const presented = await repo.findRefreshToken(tx, tokenId);
  if (!presented?.replacedBy || !presented.revokedAt || presented.userId !== lock.userId) {
    return { reused: false };
  }
  const graceMs = deps.refreshReuseGraceSeconds * 1000;
  const successor =
    Date.now() - presented.revokedAt.getTime() < graceMs
      ? await repo.findRefreshToken(tx, presented.replacedBy)
      : undefined;
  // A successor that was itself rotated or revoked is never handed out again: a grace
  // reissue cannot revive a logged-out session nor fork a login.
  if (successor && !successor.revokedAt && successor.expiresAt.getTime() > Date.now()) {
    const issuedAt = Math.floor(successor.createdAt.getTime() / 1000);
    return {
      tokens: await deps.signer.signPair(user.id, user.tokenVersion, successor.familyId, successor.id, issuedAt),
    };
  }
  // Theft is likely: the whole login ends, its access tokens included (they carry the family).
  await repo.revokeFamily(tx, lock, presented.familyId);
  return { reused: true };
}

/**
 * Revokes one session (the given refresh token's family, or with `current` the family of the
 * access token the call was made with), or every session and access token.
 */
export async function logout(
  deps: AccountsDeps,
  actor: Actor,
  input: { refresh?: string; all?: boolean; current?: boolean },
  accessToken?: string,
): Promise<void> {
  const { db } = deps.database;
  if (input.all) {
    await db.transaction(async (tx) => {
      const locked = await repo.lockUserSessions(tx, actor.id);
      if (!locked) return;
      await repo.revokeUserTokens(tx, locked.lock);
      await repo.bumpTokenVersion(tx, locked.lock);
    });
    return;
  }
  if (!input.refresh && input.current && accessToken) {
    const { familyId } = await deps.signer.verifyAccess(accessToken);
    await db.transaction(async (tx) => {
      const locked = await repo.lockUserSessions(tx, actor.id);
      if (locked) await repo.revokeFamily(tx, locked.lock, familyId);
    });
    return;
  }
  if (!input.refresh) throw ValidationError.field('refresh', say.required);
  const claims = await deps.signer.verifyRefresh(input.refresh).catch(() => null);
  const invalid = () => ValidationError.field('refresh', 'Token is invalid or expired.');
  if (claims?.userId !== actor.id) throw invalid();
  await db.transaction(async (tx) => {
    // Under the lock, the family's newest token is visible even if a refresh just made it.
    const locked = await repo.lockUserSessions(tx, actor.id);
    const row = locked && (await repo.findRefreshToken(tx, claims.tokenId));
    if (!locked || !row || row.userId !== actor.id) throw invalid();
    await repo.revokeFamily(tx, locked.lock, row.familyId);
  });
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

/**
 * Updates the writable profile fields; the rest of the body is ignored. A taken email is
 * reported with the body schema's messages (`schemaErrors`), at once.
 */
export async function updateProfile(
  deps: AccountsDeps,
  actor: Actor,
  body: unknown,
  schemaErrors: FieldErrors = {},
): Promise<repo.UserRow> {
  const { db } = deps.database;
  const given = checkedFields<ProfileInput>(body, schemaErrors);
  const taken = await takenNameErrors(db, { email: given.email?.trim() }, actor.id);
  throwIfAny({ ...schemaErrors, ...taken });
  // Every field passed the schema and the rules.
  const input = body as ProfileInput;
  const email = input.email?.trim();
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
  body: unknown,
  meta: ClientMeta,
  schemaErrors: FieldErrors = {},
): Promise<Tokens> {
  const { db } = deps.database;
  const user = await getProfile(deps, actor);
  // One 400 names every wrong field: the schema's, a wrong old password and the new one's rules.
  const errors: FieldErrors = { ...schemaErrors };
  const checked = checkedFields<{ old_password: string; new_password: string }>(body, schemaErrors);
  if (checked.new_password !== undefined) {
    for (const problem of await newPasswordProblems(user, checked.new_password)) {
      addFieldError(errors, 'new_password', problem);
    }
  }
  if (checked.old_password !== undefined) {
    // Guesses at the old password with a stolen access token are limited like logins.
    const key = loginKey(`change-password#${user.id}`, meta.ip);
    await throttle(deps, key, 'Too many wrong old passwords.');
    if (await deps.hasher.verify(user.passwordHash, checked.old_password)) await deps.limiter.reset(key);
    else addFieldError(errors, 'old_password', 'Old password is incorrect.');
  }
  throwIfAny(errors);
  // Every field passed the schema and the rules.
  const input = body as { old_password: string; new_password: string };
  const passwordHash = await deps.hasher.hash(input.new_password);
  return db.transaction(async (tx) => {
    const locked = await repo.lockUserSessions(tx, user.id);
    if (!locked?.user.isActive) {
      throw new Unauthorized('The user of this token is inactive or deleted.', 'token_invalid');
    }
    // Another change committed since the check above: the old password must match that one.
    if (
      locked.user.passwordHash !== user.passwordHash &&
      !(await deps.hasher.verify(locked.user.passwordHash, input.old_password))
    ) {
      throw ValidationError.field('old_password', 'Old password is incorrect.');
    }
    await repo.bumpTokenVersion(tx, locked.lock);
    const updated = await repo.updateUser(tx, user.id, { passwordHash });
    await repo.revokeUserTokens(tx, locked.lock);
    await endPasswordResets(tx, user.id);
    await queuePasswordChanged(tx, deps, updated!);
    return startSession(deps, tx, locked.lock, updated!, meta);
  });
}
