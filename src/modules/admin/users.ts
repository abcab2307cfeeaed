import type { Database } from '../../db/client.js';
import type { Actor } from '../../kernel/actor.js';
import * as accounts from '../accounts/index.js';
import { orderCountsByUser } from '../orders/index.js';
import { customerSummary } from './customers.js';

/**
 * Staff's view of users: the accounts module's users, each with the number of orders the
 * orders module counts for it (one query per page, over orders_user_created_idx).
 */
export interface AdminUserRow {
  user: Awaited<ReturnType<typeof accounts.getUser>>;
  ordersCount: number;
}

async function withOrderCounts(
  database: Database,
  users: AdminUserRow['user'][],
): Promise<AdminUserRow[]> {
  const counts = await orderCountsByUser(
    database,
    users.map((u) => u.id),
  );
  return users.map((user) => ({ user, ordersCount: counts.get(user.id) ?? 0 }));
}

/** A page of users (oldest first) with their order counts, and the total. */
export async function listUsers(
  database: Database,
  filter: accounts.UserFilter,
  limit: number,
  offset: number,
) {
  const { rows, count } = await accounts.listUsers(database, filter, limit, offset);
  return { rows: await withOrderCounts(database, rows), count };
}

/** A user as a customer: the account, its addresses and what its orders add up to. */
export async function getCustomer(database: Database, id: number) {
  const user = await accounts.getUser(database, id);
  const [addresses, summary] = await Promise.all([
    accounts.addressesOfUser(database, id),
    customerSummary(database.db, id),
  ]);
  return { user, addresses, summary };
}

/** Activates or deactivates a user, grants or revokes staff (see accounts' `updateUser`). */
export async function updateUser(
  database: Database,
  actor: Actor,
  id: number,
  input: { is_active?: boolean; is_staff?: boolean },
): Promise<AdminUserRow> {
  const [row] = await withOrderCounts(database, [
    await accounts.updateUser(database, actor, id, input),
  ]);
  return row!;
}
