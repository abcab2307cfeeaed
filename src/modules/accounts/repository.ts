import { and, asc, eq, gt, isNull, ne, or, sql } from 'drizzle-orm';
import type { Db, Executor, Tx } from '../../db/client.js';
import { preparedFor } from '../../db/sql.js';
import { type AddressType, addresses, refreshTokens, users } from '../../db/schema/index.js';

export type UserRow = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type AddressRow = typeof addresses.$inferSelect;
export type NewAddress = typeof addresses.$inferInsert;

/**
 * What authentication needs to know, read on every authenticated request in one query:
 * the user, and whether the token's login still has a live refresh token.
 */
const authQuery = preparedFor((db: Db) =>
  db
    .select({
      id: users.id,
      username: users.username,
      isStaff: users.isStaff,
      isActive: users.isActive,
      tokenVersion: users.tokenVersion,
      sessionLive: sql<boolean>`exists (select 1 from ${refreshTokens} where ${refreshTokens.familyId} = ${sql.placeholder('familyId')}
          and ${refreshTokens.revokedAt} is null and ${refreshTokens.expiresAt} > now())`,
    })
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .prepare('auth_user'),
);

/** The user of an access token and whether its login is live, as a prepared statement. */
export async function readAuthUser(db: Db, id: number, familyId: string) {
  const [row] = await authQuery(db).execute({ id, familyId });
  return row;
}

export async function findUserById(ex: Executor, id: number): Promise<UserRow | undefined> {
  const [row] = await ex.select().from(users).where(eq(users.id, id));
  return row;
}

/** The account a login identifier names: a username first, else an email (both case-insensitive). */
export async function findUserByLogin(ex: Executor, identifier: string): Promise<UserRow | undefined> {
  const lowered = identifier.toLowerCase();
  const rows = await ex
    .select()
    .from(users)
    .where(or(sql`lower(${users.username}) = ${lowered}`, sql`lower(${users.email}) = ${lowered}`))
    .limit(2);
  return rows.find((u) => u.username.toLowerCase() === lowered) ?? rows[0];
}

/**
 * Whether a username is taken, as a username or as another account's email: login
 * accepts either, so one string must never name two accounts.
 */
export async function usernameTaken(ex: Executor, username: string, exceptUserId?: number): Promise<boolean> {
  const lowered = username.toLowerCase();
  const rows = await ex
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        or(sql`lower(${users.username}) = ${lowered}`, sql`lower(${users.email}) = ${lowered}`),
        exceptUserId ? ne(users.id, exceptUserId) : undefined,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

/** Whether an email is taken, as an email or as another account's username (see usernameTaken). */
export async function emailTaken(ex: Executor, email: string, exceptUserId?: number): Promise<boolean> {
  const rows = await ex
    .select({ id: users.id })
    .from(users)
    .where(
      and(
        or(sql`lower(${users.email}) = ${email.toLowerCase()}`, sql`lower(${users.username}) = ${email.toLowerCase()}`),
        exceptUserId ? ne(users.id, exceptUserId) : undefined,
      ),
    )
    .limit(1);
  return rows.length > 0;
}

export async function insertUser(ex: Executor, values: NewUser): Promise<UserRow> {
  const [row] = await ex.insert(users).values(values).returning();
  return row!;
}

export async function updateUser(
  ex: Executor,
  id: number,
  patch: Partial<NewUser>,
): Promise<UserRow | undefined> {
  const [row] = await ex
    .update(users)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(users.id, id))
    .returning();
  return row;
}

/** Makes every access token issued so far for this user fail. */
export async function bumpTokenVersion(ex: Tx, lock: SessionLock): Promise<void> {
  await ex
    .update(users)
    .set({ tokenVersion: sql`${users.tokenVersion} + 1`, updatedAt: new Date() })
    .where(eq(users.id, lock.userId));
}

// --- sessions (refresh tokens) --------------------------------------------------------

declare const held: unique symbol;

/**
 * Proof that the transaction holds the user's row lock. Every function that creates,
 * rotates or revokes a user's sessions (or moves the token version) asks for one, so that
 * all of them run one at a time per user: a revocation then sees every token a refresh or
 * login committed before it, and a refresh or login after it sees the revocation.
 */
export interface SessionLock {
  readonly userId: number;
  readonly [held]: true;
}

/**
 * Locks the user's row for the rest of the transaction (FOR NO KEY UPDATE: foreign keys to
 * the user still insert freely) and returns it as it is now, committed changes included.
 */
export async function lockUserSessions(
  tx: Tx,
  userId: number,
): Promise<{ user: UserRow; lock: SessionLock } | undefined> {
  const [user] = await tx.select().from(users).where(eq(users.id, userId)).for('no key update');
  return user && { user, lock: { userId } as SessionLock };
}

export async function insertRefreshToken(
  ex: Tx,
  lock: SessionLock,
  values: Omit<typeof refreshTokens.$inferInsert, 'userId'>,
) {
  await ex.insert(refreshTokens).values({ ...values, userId: lock.userId });
}

/**
 * Revokes a live token of the locked user in favour of its successor, atomically: of two
 * requests rotating the same token, only one gets the row back.
 */
export async function rotateRefreshToken(ex: Tx, lock: SessionLock, tokenId: string, successorId: string) {
  const [row] = await ex
    .update(refreshTokens)
    .set({ revokedAt: new Date(), replacedBy: successorId })
    .where(
      and(
        eq(refreshTokens.id, tokenId),
        eq(refreshTokens.userId, lock.userId),
        isNull(refreshTokens.revokedAt),
        gt(refreshTokens.expiresAt, new Date()),
      ),
    )
    .returning({ familyId: refreshTokens.familyId });
  return row;
}

export async function findRefreshToken(ex: Executor, tokenId: string) {
  const [row] = await ex.select().from(refreshTokens).where(eq(refreshTokens.id, tokenId));
  return row;
}

export async function revokeFamily(ex: Tx, lock: SessionLock, familyId: string): Promise<void> {
  await ex
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(refreshTokens.familyId, familyId),
        eq(refreshTokens.userId, lock.userId),
        isNull(refreshTokens.revokedAt),
      ),
    );
}

export async function revokeUserTokens(ex: Tx, lock: SessionLock): Promise<void> {
  await ex
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.userId, lock.userId), isNull(refreshTokens.revokedAt)));
}

// --- addresses ------------------------------------------------------------------------

export function listAddresses(ex: Executor, userId: number): Promise<AddressRow[]> {
  return ex.select().from(addresses).where(eq(addresses.userId, userId)).orderBy(asc(addresses.id));
}

export async function findAddress(ex: Executor, userId: number, id: number) {
  const [row] = await ex
    .select()
    .from(addresses)
    .where(and(eq(addresses.id, id), eq(addresses.userId, userId)));
  return row;
}

/** Serialises default-address changes of one user (row lock on the user). */
export async function lockUser(ex: Executor, userId: number): Promise<void> {
  await ex.execute(sql`select 1 from ${users} where ${users.id} = ${userId} for no key update`);
}

export async function clearDefaultAddress(
  ex: Executor,
  userId: number,
  addressType: AddressType,
  exceptId?: number,
): Promise<void> {
  await ex
    .update(addresses)
    .set({ isDefault: false, updatedAt: new Date() })
    .where(
      and(
        eq(addresses.userId, userId),
        eq(addresses.addressType, addressType),
        eq(addresses.isDefault, true),
        exceptId ? ne(addresses.id, exceptId) : undefined,
      ),
    );
}

export async function insertAddress(ex: Executor, values: NewAddress): Promise<AddressRow> {
  const [row] = await ex.insert(addresses).values(values).returning();
  return row!;
}

export async function updateAddress(
  ex: Executor,
  userId: number,
  id: number,
  patch: Partial<NewAddress>,
): Promise<AddressRow | undefined> {
  const [row] = await ex
    .update(addresses)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(addresses.id, id), eq(addresses.userId, userId)))
    .returning();
  return row;
}

export async function deleteAddress(ex: Executor, userId: number, id: number): Promise<boolean> {
  const rows = await ex
    .delete(addresses)
    .where(and(eq(addresses.id, id), eq(addresses.userId, userId)))
    .returning({ id: addresses.id });
  return rows.length > 0;
}

/**
 * Deletes refresh tokens that expired over a day ago (housekeeping). Their reuse can no longer
 * be detected, but it no longer matters: the JWT itself has expired, and so has every access
 * token of the family (access tokens live at most a day).
 */
export async function deleteExpiredRefreshTokens(ex: Executor): Promise<number> {
  const rows = await ex
    .delete(refreshTokens)
    .where(sql`${refreshTokens.expiresAt} < now() - interval '1 day'`)
    .returning({ id: refreshTokens.id });
  return rows.length;
}
