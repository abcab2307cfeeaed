import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';

/** What a customer's orders add up to: the customer page's figures. */
export interface CustomerSummary {
  ordersCount: number;
  /** Paid orders' totals minus the refunds processed on their payments, a numeric string. */
  totalSpent: string;
  lastOrderAt: Date | null;
}

/**
 * A read model over the orders and payments modules' tables (staff's view of a customer):
 * one statement, over orders_user_created_idx and payments_order_idx. An order counts as
 * paid once its money came (`success`, and later `partially_refunded` or `refunded`); what
 * was refunded comes off through the payments' processed refunds (`refunded_amount`).
 * Second captures are left out: their money never counted and goes back whole.
 */
export async function customerSummary(ex: Executor, userId: number): Promise<CustomerSummary> {
  const [row] = await queryRows<{
    orders_count: number;
    total_spent: string;
    last_order_at: Date | string | null;
  }>(
    ex,
    sql`with mine as (
          select id, total_amount, payment_status, created_at from orders where user_id = ${userId}
        ), paid as (
          select id, total_amount from mine where payment_status in ('success', 'partially_refunded', 'refunded')
        )
        select (select count(*)::int from mine) as orders_count,
               (select max(created_at) from mine) as last_order_at,
               ((select coalesce(sum(total_amount), 0) from paid)
                 - (select coalesce(sum(p.refunded_amount), 0) from payments p
                    where p.order_id in (select id from paid) and not p.second_capture))::numeric(14, 2)::text as total_spent`,
  );
  const r = row!;
  return {
    ordersCount: r.orders_count,
    totalSpent: r.total_spent,
    lastOrderAt: r.last_order_at === null ? null : new Date(r.last_order_at),
  };
}
