import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, lt, ne, or, isNotNull, sql } from 'drizzle-orm';
import type { Executor, Tx } from '../../db/client.js';
import { passwordResetTokens, users } from '../../db/schema/index.js';
import { BadRequest, TooManyRequests } from '../../http/errors.js';
import { queueEmail } from '../notifications/index.js';
import { newPasswordHash } from './passwords.js';
import * as repo from './repository.js';
import type { AccountsDeps, ClientMeta } from './service.js';

/** How long a reset link works. */
export const RESET_TOKEN_TTL_MINUTES = 60;

const INVALID = 'The password reset link is invalid, expired or used already. Ask for a new one.';

function sha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

async function throttle(deps: AccountsDeps, key: string) {
  const wait = await deps.limiter.acquire(key);
  if (wait > 0) throw new TooManyRequests(`Too many password reset requests. Try again in ${wait} seconds.`, wait);
}

/**
 * Starts a password reset: when the e-mail belongs to an active account, its older tokens
 * are replaced by a new one (stored hashed) and the link is e-mailed. The caller answers the
 * same whatever happened (no account enumeration); the token is made and hashed either way,
 * so that both paths take about as long. Returns the account's id (for the log), or null.
 */
export async function requestPasswordReset(deps: AccountsDeps, email: string, meta: ClientMeta): Promise<number | null> {
  const address = email.trim().toLowerCase();
  // Limited per address and per IP; both counts move with every request (none is "reset").
  await throttle(deps, `password-reset|ip|${meta.ip}`);
  await throttle(deps, `password-reset|email|${address}`);
  const token = randomBytes(32).toString('base64url');
  const tokenHash = sha256(token);
  const { db } = deps.database;
  const [user] = await db.select().from(users).where(sql`lower(${users.email}) = ${address}`);
  if (!user?.isActive) return null;
  const expiresAt = new Date(Date.now() + RESET_TOKEN_TTL_MINUTES * 60_000);
  await db.transaction(async (tx) => {
    await repo.lockUser(tx, user.id);
    await tx.delete(passwordResetTokens).where(eq(passwordResetTokens.userId, user.id));
    await tx.insert(passwordResetTokens).values({ userId: user.id, tokenHash, expiresAt });
    await queueEmail(tx, deps.mail, {
      to: user.email,
      template: 'password_reset',
      context: {
        name: user.firstName || user.username,
        username: user.username,
        reset_url: `${deps.mail.shopUrl}/reset-password?token=${token}`,
        valid_minutes: RESET_TOKEN_TTL_MINUTES,
      },
    });
  });
  return user.id;
}

/**
 * Sets a new password with a reset token: the password rules apply first (a rejected
 * password leaves the token usable), then the token is used up, every session and access
 * token of the user ends, and a "password changed" e-mail is queued — in one transaction.
 * Returns the user's id.
 */
export async function confirmPasswordReset(
  deps: AccountsDeps,
  input: { token: string; new_password: string },
): Promise<number> {
  const { db } = deps.database;
  const tokenHash = sha256(input.token);
  const live = and(
    eq(passwordResetTokens.tokenHash, tokenHash),
    isNull(passwordResetTokens.usedAt),
    gt(passwordResetTokens.expiresAt, sql`now()`),
  );
  const [found] = await db.select().from(passwordResetTokens).where(live);
  const user = found && (await repo.findUserById(db, found.userId));
  if (!found || !user?.isActive) throw new BadRequest(INVALID, 'reset_token_invalid');
  const passwordHash = await newPasswordHash(deps.hasher, user, input.new_password);
  await db.transaction(async (tx) => {
    const locked = await repo.lockUserSessions(tx, user.id);
    // Used up atomically: of two confirmations racing with one token, one gets here.
    const [used] = await tx
      .update(passwordResetTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(passwordResetTokens.id, found.id), live))
      .returning({ id: passwordResetTokens.id });
    if (!used || !locked?.user.isActive) throw new BadRequest(INVALID, 'reset_token_invalid');
    await repo.bumpTokenVersion(tx, locked.lock);
    const updated = await repo.updateUser(tx, user.id, { passwordHash });
    await repo.revokeUserTokens(tx, locked.lock);
    await endPasswordResets(tx, user.id, found.id);
    await queuePasswordChanged(tx, deps, updated ?? user);
  });
  return user.id;
}

/** A password set another way makes the user's reset links useless: they are removed. */
export async function endPasswordResets(tx: Tx, userId: number, exceptId?: number): Promise<void> {
  await tx
    .delete(passwordResetTokens)
    .where(
      and(eq(passwordResetTokens.userId, userId), exceptId === undefined ? undefined : ne(passwordResetTokens.id, exceptId)),
    );
}

/** Queues the "your password was changed" e-mail in the changing transaction. */
export async function queuePasswordChanged(tx: Tx, deps: AccountsDeps, user: repo.UserRow): Promise<void> {
  await queueEmail(tx, deps.mail, {
    to: user.email,
    template: 'password_changed',
    context: {
      name: user.firstName || user.username,
      username: user.username,
      changed_at: new Date().toUTCString(),
      reset_request_url: `${deps.mail.shopUrl}/reset-password`,
    },
  });
}

/** Housekeeping: tokens past their validity, and used ones, are of no further use. */
export async function deleteStalePasswordResets(ex: Executor): Promise<number> {
  const rows = await ex
    .delete(passwordResetTokens)
    .where(or(lt(passwordResetTokens.expiresAt, sql`now()`), isNotNull(passwordResetTokens.usedAt)))
    .returning({ id: passwordResetTokens.id });
  return rows.length;
}
