import { and, asc, eq, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { users } from '../../db/schema/index.js';
import { Conflict, NotFound } from '../../http/errors.js';
import * as repo from './repository.js';
import type { Actor } from '../../kernel/actor.js';

/** Staff administration of users: search, activation and staff rights. */
export interface UserFilter {
  search?: string;
  isStaff?: boolean;
  isActive?: boolean;
}

function where(filter: UserFilter): SQL | undefined {
  const term = filter.search?.trim();
  const like = term ? `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return and(
    like
      ? or(
          sql`${users.username} ilike ${like}`,
          sql`${users.email} ilike ${like}`,
          sql`(${users.firstName} || ' ' || ${users.lastName}) ilike ${like}`,
        )
      : undefined,
    filter.isStaff !== undefined ? eq(users.isStaff, filter.isStaff) : undefined,
    filter.isActive !== undefined ? eq(users.isActive, filter.isActive) : undefined,
  );
}

/** A page of users (oldest first), and the total. */
export async function listUsers(database: Database, filter: UserFilter, limit: number, offset: number) {
  const { db } = database;
  const [rows, [counted]] = await Promise.all([
    db.select().from(users).where(where(filter)).orderBy(asc(users.id)).limit(limit).offset(offset),
    db.select({ count: sql<number>`count(*)::int` }).from(users).where(where(filter)),
  ]);
  return { rows, count: counted!.count };
}

/** A user's addresses (staff's customer page), in the order the owner sees them. */
export function addressesOfUser(database: Database, userId: number) {
  return repo.listAddresses(database.db, userId);
}

export async function getUser(database: Database, id: number): Promise<repo.UserRow> {
  const row = await repo.findUserById(database.db, id);
  if (!row) throw new NotFound('User not found.');
  return row;
}

/**
 * Activates or deactivates a user, grants or revokes staff. Deactivation ends every
 * session and access token at once. Staff cannot deactivate or demote themselves.
 */
export async function updateUser(
  database: Database,
  actor: Actor,
  id: number,
  input: { is_active?: boolean; is_staff?: boolean },
) {
  if (id === actor.id && (input.is_active === false || input.is_staff === false)) {
    throw new Conflict('You cannot deactivate or demote yourself; ask another admin.');
  }
  await database.db.transaction(async (tx) => {
    // Locked first, so that no refresh or login in flight outlives a deactivation.
    const locked = await repo.lockUserSessions(tx, id);
    if (!locked) throw new NotFound('User not found.');
    await repo.updateUser(tx, id, { isActive: input.is_active, isStaff: input.is_staff });
    if (input.is_active === false && locked.user.isActive) {
      await repo.revokeUserTokens(tx, locked.lock);
      await repo.bumpTokenVersion(tx, locked.lock);
    }
  });
  return getUser(database, id);
}
