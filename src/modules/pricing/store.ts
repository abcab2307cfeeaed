/**
 * The pricing tables as checkout and the cart read them: promotions with their eligible
 * categories, the uses a checkout takes and a cancellation gives back, and SQL fragments that
 * the cart's hot statements embed (so that a cart read or a checkout takes no extra round trip
 * for its tax rates and shipping methods).
 */
import type { Executor } from '../../db/client.js';
import { namedStatement } from '../../db/sql.js';
import type { PromotionFacts } from './rules.js';

/**
 * The active shipping methods as a json array of ShippingMethodFacts (an uncorrelated
 * subquery: PostgreSQL runs it once per statement).
 */
export const ACTIVE_METHODS_SQL = `(select coalesce(json_agg(json_build_object(
    'id', m.id, 'name', m.name, 'kind', m.kind, 'price', m.price::text, 'rates', m.rates,
    'freeOver', m.free_over::text, 'countries', m.countries, 'isActive', m.is_active) order by m.id), '[]'::json)
  from shipping_methods m where m.is_active)`;

/** A line's GST rate as text ("18.00"): the variant's class, else its product's, else the default class. */
export const lineTaxRateSql = (variant: string, product: string) =>
  `coalesce((select rate from tax_classes where id = coalesce(${variant}.tax_class_id, ${product}.tax_class_id)),
            (select rate from tax_classes where is_default), 0)::text`;

/** A promotion with what eligibility and the per-customer limit need. */
export interface PromotionRead {
  facts: PromotionFacts;
  eligibleCategoryIds: Set<number>;
  /** The customer's uses so far (0 without a row); null when no customer was given. */
  customerUses: number | null;
}

interface PromotionRow {
  id: number;
  code: string;
  description: string;
  kind: PromotionFacts['kind'];
  value: string | null;
  min_subtotal: string | null;
  starts_at: Date | null;
  ends_at: Date | null;
  usage_limit: number | null;
  per_customer_limit: number | null;
  applies_category_ids: number[] | null;
  applies_product_ids: number[] | null;
  is_active: boolean;
  times_used: number;
  eligible_category_ids: number[] | null;
  customer_uses: number | null;
}

const facts = (r: PromotionRow): PromotionFacts => ({
  id: r.id,
  code: r.code,
  description: r.description,
  kind: r.kind,
  value: r.value,
  minSubtotal: r.min_subtotal,
  startsAt: r.starts_at === null ? null : new Date(r.starts_at),
  endsAt: r.ends_at === null ? null : new Date(r.ends_at),
  usageLimit: r.usage_limit,
  perCustomerLimit: r.per_customer_limit,
  appliesCategoryIds: r.applies_category_ids,
  appliesProductIds: r.applies_product_ids,
  isActive: r.is_active,
  timesUsed: r.times_used,
});

const readRow = (withCustomer: boolean) => (r: PromotionRow) => ({
  facts: facts(r),
  eligibleCategoryIds: new Set(r.eligible_category_ids ?? []),
  customerUses: withCustomer ? (r.customer_uses ?? 0) : null,
});

// The promotion's categories and all their descendants (the category tree is small).
const ELIGIBLE_CATEGORIES = `(with recursive tree(id) as (
       select unnest(p.applies_category_ids)
       union
       select c.id from categories c join tree on c.parent_id = tree.id
     ) select array_agg(id) from tree) as eligible_category_ids`;

const PROMOTION_COLUMNS = `p.id, p.code, p.description, p.kind, p.value::text as value, p.min_subtotal::text as min_subtotal,
       p.starts_at, p.ends_at, p.usage_limit, p.per_customer_limit, p.applies_category_ids, p.applies_product_ids,
       p.is_active, p.times_used, ${ELIGIBLE_CATEGORIES}`;

const byIdStatement = namedStatement(
  'pricing_promotion_by_id',
  `select ${PROMOTION_COLUMNS},
          (select uses from promotion_customer_uses u where u.promotion_id = p.id and u.user_id = $2) as customer_uses
   from promotions p where p.id = $1`,
  (r: PromotionRow) => r,
);

const byCodeStatement = namedStatement(
  'pricing_promotion_by_code',
  `select ${PROMOTION_COLUMNS},
          (select uses from promotion_customer_uses u where u.promotion_id = p.id and u.user_id = $2) as customer_uses
   from promotions p where lower(p.code) = lower($1)`,
  (r: PromotionRow) => r,
);

/** A promotion by id, with the customer's uses when `userId` is given. */
export async function promotionById(
  ex: Executor,
  id: number,
  userId: number | null,
): Promise<PromotionRead | null> {
  const [row] = await byIdStatement(ex, [id, userId]);
  return row ? readRow(userId !== null)(row) : null;
}

/** A promotion by its code (any case), with the customer's uses when `userId` is given. */
export async function promotionByCode(
  ex: Executor,
  code: string,
  userId: number | null,
): Promise<PromotionRead | null> {
  const [row] = await byCodeStatement(ex, [code.trim(), userId]);
  return row ? readRow(userId !== null)(row) : null;
}

/**
 * Takes a use of the promotion for `userId`'s checkout, in one statement: the total under
 * the promotion row's lock (the condition is re-checked on the row's newest version when
 * another checkout held it), then the customer's under their row's lock (an upsert sees the
 * newest row too). Returns the promotion as it is now (times_used counting this use), or null
 * when its usage limit is reached or it is gone; `customerOk` false when the customer's own
 * limit is reached (the caller rolls back: the total's use goes with it).
 *
 * Lock order (orders/effects.ts): a promotion row comes after the cart or the orders and
 * before any product.
 */
const claimStatement = namedStatement(
  'pricing_promotion_claim',
  `with p as (
     update promotions set times_used = times_used + 1
     where id = $1 and (usage_limit is null or times_used < usage_limit)
     returning *
   ), c as (
     insert into promotion_customer_uses as u (promotion_id, user_id, uses)
     select p.id, $2, 1 from p where p.per_customer_limit is not null
     on conflict (promotion_id, user_id) do update set uses = u.uses + 1
       where u.uses < (select per_customer_limit from p)
     returning uses
   )
   select ${PROMOTION_COLUMNS}, null::int as customer_uses,
          (p.per_customer_limit is null or exists (select 1 from c)) as customer_ok
   from p`,
  (r: PromotionRow & { customer_ok: boolean }) => r,
);

export async function claimPromotion(
  ex: Executor,
  promotionId: number,
  userId: number,
): Promise<(PromotionRead & { customerOk: boolean }) | null> {
  const [row] = await claimStatement(ex, [promotionId, userId]);
  if (!row) return null;
  return { ...readRow(false)(row), customerOk: row.customer_ok };
}

const existsStatement = namedStatement<{ one: number }>(
  'pricing_promotion_exists',
  'select 1 as one from promotions where id = $1',
);

export async function promotionExists(ex: Executor, id: number): Promise<boolean> {
  return (await existsStatement(ex, [id])).length > 0;
}

const lockPromotionsStatement = namedStatement<{ id: number }>(
  'pricing_promotions_lock',
  'select id from promotions where id = any($1::int[]) order by id for no key update',
);

const releaseStatement = namedStatement(
  'pricing_promotions_release',
  `with t as (
     select promotion_id as id, count(*)::int as n from unnest($1::int[]) as promotion_id group by promotion_id
   ), c as (
     select promotion_id, user_id, count(*)::int as n
     from unnest($1::int[], $2::int[]) as x(promotion_id, user_id) group by promotion_id, user_id
   ), uc as (
     update promotion_customer_uses u set uses = u.uses - c.n
     from c where u.promotion_id = c.promotion_id and u.user_id = c.user_id
   )
   update promotions p set times_used = p.times_used - t.n, updated_at = p.updated_at from t where p.id = t.id`,
);

/**
 * Gives back the uses of orders that are cancelled or expired (each order once: the caller
 * moves it out of an active status under its lock). Locks the promotions in id order first,
 * then writes them and the customers' uses in one statement.
 */
export async function releasePromotions(
  ex: Executor,
  uses: { promotionId: number; userId: number }[],
): Promise<void> {
  if (!uses.length) return;
  const ids = [...new Set(uses.map((u) => u.promotionId))].sort((a, b) => a - b);
  await lockPromotionsStatement(ex, [ids]);
  await releaseStatement(ex, [uses.map((u) => u.promotionId), uses.map((u) => u.userId)]);
}
