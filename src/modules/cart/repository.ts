import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { namedStatement } from '../../db/sql.js';
import { cartItems, carts, products, productVariants } from '../../db/schema/index.js';
import type { ProductListRow } from '../catalog/index.js';
import { ACTIVE_METHODS_SQL, lineTaxRateSql, type ShippingMethodFacts } from '../pricing/index.js';

export type CartRow = typeof carts.$inferSelect;

// The statements of every cart add and checkout: constant SQL, named (see db/sql.ts).

const cartRow = (r: {
  id: number;
  user_id: number | null;
  token_hash: string | null;
  promotion_id: number | null;
  created_at: Date;
  updated_at: Date;
}): CartRow => ({
  id: r.id,
  userId: r.user_id,
  tokenHash: r.token_hash,
  promotionId: r.promotion_id,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const lockUserCartRowStatement = namedStatement(
  'cart_lock_user_row',
  `update carts set updated_at = now() where user_id = $1
   returning id, user_id, token_hash, promotion_id, created_at, updated_at`,
  cartRow,
);

// Checkout's first statement: the cart locked, with its promotion and the active shipping
// methods (pricing's fragment), so that pricing costs checkout no extra round trip.
const lockUserCartStatement = namedStatement<{ id: number; promotion_id: number | null; methods: ShippingMethodFacts[] }>(
  'cart_lock_user',
  `update carts set updated_at = now() where user_id = $1 returning id, promotion_id, ${ACTIVE_METHODS_SQL} as methods`,
);

// What an add or a quantity change needs of a variant, in one query: its availability (an
// inactive product makes its variants unavailable), its price, the quantity the cart
// already holds of it and the total of the cart's other lines, summed exactly in numeric,
// so that the write's new total is checked against the bound without another round trip.
const variantColumns = `v.id as variant_id, v.product_id, v.stock, v.is_active and p.is_active as is_active, v.price,
          (select quantity from cart_items where cart_id = $1 and variant_id = v.id) as in_cart,
          (select coalesce(sum(ov.price * oi.quantity), 0)::text
           from cart_items oi join product_variants ov on ov.id = oi.variant_id
           where oi.cart_id = $1 and oi.variant_id <> v.id) as other_lines`;

interface VariantForCartRow {
  variant_id: number;
  product_id: number;
  stock: number;
  is_active: boolean;
  price: string;
  in_cart: number | null;
  other_lines: string;
}

const variantForCartRow = (r: VariantForCartRow) => ({
  variantId: r.variant_id,
  productId: r.product_id,
  stock: r.stock,
  isActive: r.is_active,
  inCart: r.in_cart,
  price: r.price,
  otherLines: r.other_lines,
});

const variantForCartStatement = namedStatement(
  'cart_variant',
  `select ${variantColumns}
   from product_variants v join products p on p.id = v.product_id
   where v.id = $2`,
  variantForCartRow,
);

// A product named without a variant: its variants, at most two (two mean it has several).
const productVariantsForCartStatement = namedStatement(
  'cart_product_variants',
  `select ${variantColumns}
   from product_variants v join products p on p.id = v.product_id
   where v.product_id = $2
   order by v.id
   limit 2`,
  variantForCartRow,
);

const upsertLineStatement = namedStatement(
  'cart_upsert_line',
  `insert into cart_items (cart_id, product_id, variant_id, quantity) values ($1, $2, $3, $4)
   on conflict (cart_id, variant_id) do update set quantity = excluded.quantity, updated_at = now()`,
);

// A cart line shows its product with the catalog's list-item columns, as the list does
// (aliased to ProductListRow's keys), and its variant, whose price is the line's.
const linesStatement = namedStatement(
  'cart_lines',
  `select i.id, i.quantity, i.added_at as "addedAt", p.id as "productId", p.name, p.slug, p.price, p.price_max as "priceMax", p.stock,
          p.image_url as "imageUrl", p.image_thumb_key as "imageThumbKey", p.is_active as "isActive", p.is_featured as "isFeatured",
          p.category_id as "categoryId", c.name as "categoryName", p.created_at as "createdAt",
          v.id as "variantId", v.sku, v.title as "variantTitle", v.options as "variantOptions", v.price as "unitPrice",
          v.weight_grams as "weightGrams", ${lineTaxRateSql('v', 'p')} as "taxRate", ${ACTIVE_METHODS_SQL} as methods
   from cart_items i
   join product_variants v on v.id = i.variant_id
   join products p on p.id = v.product_id
   join categories c on c.id = p.category_id
   where i.cart_id = $1
   order by i.added_at, i.id`,
  ({
    id,
    quantity,
    addedAt,
    productId,
    variantId,
    sku,
    variantTitle,
    variantOptions,
    unitPrice,
    weightGrams,
    taxRate,
    methods,
    ...product
  }: Omit<ProductListRow, 'id'> & {
    id: number;
    quantity: number;
    addedAt: Date;
    productId: number;
    variantId: number;
    sku: string;
    variantTitle: string;
    variantOptions: Record<string, string>;
    unitPrice: string;
    weightGrams: number | null;
    taxRate: string;
    methods: ShippingMethodFacts[];
  }) => ({
    id,
    quantity,
    addedAt,
    unitPrice,
    weightGrams,
    taxRate,
    // The active shipping methods (the same on every line: PostgreSQL reads them once).
    methods,
    variant: { id: variantId, sku, title: variantTitle, options: variantOptions },
    product: { id: productId, ...product } satisfies ProductListRow,
  }),
);

// The lock is taken above the sort, row by row: each product, then its variants, in
// ascending (product id, variant id) order. Every writer of variants locks a variant's
// product before it, so the product locks alone decide who waits: crossing checkouts
// never deadlock. Both are locked so that a checkout that waited reads both fresh.
const checkoutLinesStatement = namedStatement(
  'cart_checkout_lines',
  `select p.id as product_id, v.id as variant_id, i.quantity, p.name, v.sku, v.title, v.options, v.price, v.stock,
          p.is_active and v.is_active as is_active, p.category_id, v.weight_grams, ${lineTaxRateSql('v', 'p')} as tax_rate
   from cart_items i
   join product_variants v on v.id = i.variant_id
   join products p on p.id = v.product_id
   where i.cart_id = $1
   order by p.id, v.id
   for no key update of p, v`,
  (r: {
    product_id: number;
    variant_id: number;
    quantity: number;
    name: string;
    sku: string;
    title: string;
    options: Record<string, string>;
    price: string;
    stock: number;
    is_active: boolean;
    category_id: number;
    weight_grams: number | null;
    tax_rate: string;
  }) => ({
    productId: r.product_id,
    categoryId: r.category_id,
    weightGrams: r.weight_grams,
    taxRate: r.tax_rate,
    variantId: r.variant_id,
    quantity: r.quantity,
    name: r.name,
    sku: r.sku,
    variantTitle: r.title,
    variantOptions: r.options,
    price: r.price,
    stock: r.stock,
    isActive: r.is_active,
  }),
);

const clearItemsStatement = namedStatement('cart_clear_items', 'delete from cart_items where cart_id = $1');
const clearItemsAndPromotionStatement = namedStatement(
  'cart_clear_items_promotion',
  'with d as (delete from cart_items where cart_id = $1) update carts set promotion_id = null where id = $1',
);

export async function clearItemsAndPromotion(ex: Executor, cartId: number): Promise<void> {
  await clearItemsAndPromotionStatement(ex, [cartId]);
}

/** Sets (or, with null, removes) the cart's promotion code. */
export async function setPromotion(ex: Executor, cartId: number, promotionId: number | null): Promise<void> {
  await ex.update(carts).set({ promotionId, updatedAt: new Date() }).where(eq(carts.id, cartId));
}

export async function findUserCart(ex: Executor, userId: number): Promise<CartRow | undefined> {
  const [row] = await ex.select().from(carts).where(eq(carts.userId, userId));
  return row;
}

export async function findGuestCart(ex: Executor, tokenHash: string): Promise<CartRow | undefined> {
  const [row] = await ex.select().from(carts).where(eq(carts.tokenHash, tokenHash));
  return row;
}

/** The user's cart, created if missing (safe when two requests create it at once). */
export async function ensureUserCart(ex: Executor, userId: number): Promise<CartRow> {
  const [created] = await ex.insert(carts).values({ userId }).onConflictDoNothing().returning();
  return created ?? (await findUserCart(ex, userId))!;
}

export async function createGuestCart(ex: Executor, tokenHash: string): Promise<CartRow> {
  const [row] = await ex.insert(carts).values({ tokenHash }).returning();
  return row!;
}

/** Serialises writes to one cart and marks it as used now (the idle-cart sweep reads it). */
export async function lockAndTouchCart(ex: Executor, cartId: number): Promise<CartRow> {
  const [row] = await ex
    .update(carts)
    .set({ updatedAt: new Date() })
    .where(eq(carts.id, cartId))
    .returning();
  return row!;
}

export async function deleteCart(ex: Executor, cartId: number): Promise<void> {
  await ex.delete(carts).where(eq(carts.id, cartId));
}

/** Every line of a cart with its product as a list item: one query. */
export function cartLines(ex: Executor, cartId: number) {
  return linesStatement(ex, [cartId]);
}
export type CartLine = Awaited<ReturnType<typeof cartLines>>[number];

export async function findItem(ex: Executor, cartId: number, itemId: number) {
  const [row] = await ex
    .select()
    .from(cartItems)
    .where(and(eq(cartItems.cartId, cartId), eq(cartItems.id, itemId)));
  return row;
}

export async function upsertLine(
  ex: Executor,
  cartId: number,
  line: { productId: number; variantId: number },
  quantity: number,
) {
  await upsertLineStatement(ex, [cartId, line.productId, line.variantId, quantity]);
}

export async function setItemQuantity(ex: Executor, itemId: number, quantity: number) {
  await ex
    .update(cartItems)
    .set({ quantity, updatedAt: new Date() })
    .where(eq(cartItems.id, itemId));
}

export async function deleteItem(ex: Executor, cartId: number, itemId: number): Promise<boolean> {
  const rows = await ex
    .delete(cartItems)
    .where(and(eq(cartItems.cartId, cartId), eq(cartItems.id, itemId)))
    .returning({ id: cartItems.id });
  return rows.length > 0;
}

export async function clearItems(ex: Executor, cartId: number): Promise<void> {
  await clearItemsStatement(ex, [cartId]);
}

/**
 * Moves a guest cart's lines into the user's cart in one statement: quantities of the
 * same variant add up, capped at the variant's stock and 999; lines of inactive or
 * sold-out variants (or of inactive products) are dropped.
 */
export async function mergeLines(ex: Executor, guestCartId: number, userCartId: number) {
  await ex.execute(sql`
    insert into ${cartItems} (cart_id, product_id, variant_id, quantity)
    select ${userCartId}, v.product_id, v.id, least(g.quantity, v.stock, 999)
    from ${cartItems} g
    join ${productVariants} v on v.id = g.variant_id
    join ${products} p on p.id = v.product_id
    where g.cart_id = ${guestCartId} and v.is_active and p.is_active and v.stock > 0
    on conflict (cart_id, variant_id) do update
      set quantity = least(
            ${cartItems.quantity} + excluded.quantity,
            (select stock from ${productVariants} where id = excluded.variant_id),
            999),
          updated_at = now()`);
}

export async function deleteIdleGuestCarts(ex: Executor, before: Date): Promise<number> {
  const rows = await ex
    .delete(carts)
    .where(sql`${carts.userId} is null and ${carts.updatedAt} < ${before}`)
    .returning({ id: carts.id });
  return rows.length;
}

/** Finds, locks and touches the user's cart in one statement. */
export async function lockUserCart(ex: Executor, userId: number) {
  const [row] = await lockUserCartStatement(ex, [userId]);
  return row && { id: row.id, promotionId: row.promotion_id, methods: row.methods };
}

/**
 * The cart's lines with their variants and products, locked FOR NO KEY UPDATE in ascending
 * (product id, variant id) order (the lock is taken above the sort), so crossing checkouts
 * never deadlock (see the lock order in orders/effects.ts).
 */
export function lockCheckoutLines(ex: Executor, cartId: number) {
  return checkoutLinesStatement(ex, [cartId]);
}

/** Finds, locks and touches a guest cart by its token hash in one statement. */
export async function lockGuestCart(ex: Executor, tokenHash: string): Promise<CartRow | undefined> {
  const [row] = await ex
    .update(carts)
    .set({ updatedAt: new Date() })
    .where(eq(carts.tokenHash, tokenHash))
    .returning();
  return row;
}

/** The user's cart, locked and touched; undefined when there is none. */
export async function lockUserCartRow(ex: Executor, userId: number): Promise<CartRow | undefined> {
  const [row] = await lockUserCartRowStatement(ex, [userId]);
  return row;
}

/**
 * A variant's availability and price, the quantity a cart already holds of it and the
 * total of the cart's other lines, in one query.
 */
export async function variantForCart(ex: Executor, cartId: number, variantId: number) {
  const [row] = await variantForCartStatement(ex, [cartId, variantId]);
  return row;
}

/** The same for a product's variants: at most two rows (two: the product has several). */
export function productVariantsForCart(ex: Executor, cartId: number, productId: number) {
  return productVariantsForCartStatement(ex, [cartId, productId]);
}
