import { and, asc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { preparedInTx } from '../../db/prepared.js';
import { cartItems, carts, categories, products } from '../../db/schema/index.js';
import { listColumns } from '../catalog/index.js';

export type CartRow = typeof carts.$inferSelect;

const P = (name: string) => sql.placeholder(name);

/** The statements of every cart add and checkout, prepared (see preparedInTx). */
const hot = preparedInTx((ex) => ({
  lockUserCartRow: ex
    .update(carts)
    .set({ updatedAt: sql`now()` })
    .where(eq(carts.userId, P('userId')))
    .returning()
    .prepare('cart_lock_user_row'),
  lockUserCart: ex
    .update(carts)
    .set({ updatedAt: sql`now()` })
    .where(eq(carts.userId, P('userId')))
    .returning({ id: carts.id })
    .prepare('cart_lock_user'),
  productForCart: ex
    .select({
      stock: products.stock,
      isActive: products.isActive,
      // Parameters, not columns: in a one-table select Drizzle leaves columns unqualified,
      // and inside the subquery "id" would mean cart_items.id.
      inCart: sql<number | null>`(select quantity from ${cartItems}
        where cart_id = ${P('cartId')} and product_id = ${P('productId')})`,
      price: products.price,
      // The cart's other lines, summed exactly in numeric: the write's new total is checked
      // against the bound without another round trip.
      otherLines: sql<string>`(select coalesce(sum(op.price * oi.quantity), 0)::text
        from ${cartItems} oi join ${products} op on op.id = oi.product_id
        where oi.cart_id = ${P('cartId')} and oi.product_id <> ${P('productId')})`,
    })
    .from(products)
    .where(eq(products.id, P('productId')))
    .prepare('cart_product'),
  upsertLine: ex
    .insert(cartItems)
    .values({ cartId: P('cartId'), productId: P('productId'), quantity: P('quantity') })
    .onConflictDoUpdate({
      target: [cartItems.cartId, cartItems.productId],
      set: { quantity: sql`excluded.quantity`, updatedAt: sql`now()` },
    })
    .prepare('cart_upsert_line'),
  lines: ex
    .select({
      id: cartItems.id,
      quantity: cartItems.quantity,
      addedAt: cartItems.addedAt,
      // The catalog's list-item columns: a cart line shows its product as the list does.
      product: listColumns,
    })
    .from(cartItems)
    .innerJoin(products, eq(products.id, cartItems.productId))
    .innerJoin(categories, eq(categories.id, products.categoryId))
    .where(eq(cartItems.cartId, P('cartId')))
    .orderBy(asc(cartItems.addedAt), asc(cartItems.id))
    .prepare('cart_lines'),
  checkoutLines: ex
    .select({
      productId: products.id,
      quantity: cartItems.quantity,
      name: products.name,
      price: products.price,
      stock: products.stock,
      isActive: products.isActive,
    })
    .from(cartItems)
    .innerJoin(products, eq(products.id, cartItems.productId))
    .where(eq(cartItems.cartId, P('cartId')))
    .orderBy(asc(products.id))
    .for('no key update', { of: products })
    .prepare('cart_checkout_lines'),
  clearItems: ex.delete(cartItems).where(eq(cartItems.cartId, P('cartId'))).prepare('cart_clear_items'),
}));

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
  return hot(ex).lines.execute({ cartId });
}
export type CartLine = Awaited<ReturnType<typeof cartLines>>[number];

export async function findLine(ex: Executor, cartId: number, productId: number) {
  const [row] = await ex
    .select()
    .from(cartItems)
    .where(and(eq(cartItems.cartId, cartId), eq(cartItems.productId, productId)));
  return row;
}

export async function findItem(ex: Executor, cartId: number, itemId: number) {
  const [row] = await ex
    .select()
    .from(cartItems)
    .where(and(eq(cartItems.cartId, cartId), eq(cartItems.id, itemId)));
  return row;
}

export async function upsertLine(ex: Executor, cartId: number, productId: number, quantity: number) {
  await hot(ex).upsertLine.execute({ cartId, productId, quantity });
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
  await hot(ex).clearItems.execute({ cartId });
}

/**
 * Moves a guest cart's lines into the user's cart in one statement: quantities of the
 * same product add up, capped at the product's stock and 999; lines of inactive or
 * sold-out products are dropped.
 */
export async function mergeLines(ex: Executor, guestCartId: number, userCartId: number) {
  await ex.execute(sql`
    insert into ${cartItems} (cart_id, product_id, quantity)
    select ${userCartId}, g.product_id, least(g.quantity, p.stock, 999)
    from ${cartItems} g join ${products} p on p.id = g.product_id
    where g.cart_id = ${guestCartId} and p.is_active and p.stock > 0
    on conflict (cart_id, product_id) do update
      set quantity = least(
            ${cartItems.quantity} + excluded.quantity,
            (select stock from ${products} where id = excluded.product_id),
            999),
          updated_at = now()`);
}

export function cartProductQuantities(ex: Executor, cartId: number) {
  return ex
    .select({ productId: cartItems.productId, quantity: cartItems.quantity })
    .from(cartItems)
    .where(eq(cartItems.cartId, cartId))
    .orderBy(asc(cartItems.productId));
}

export async function deleteIdleGuestCarts(ex: Executor, before: Date): Promise<number> {
  const rows = await ex
    .delete(carts)
    .where(sql`${carts.userId} is null and ${carts.updatedAt} < ${before}`)
    .returning({ id: carts.id });
  return rows.length;
}

/** Finds, locks and touches the user's cart in one statement. */
export async function lockUserCart(ex: Executor, userId: number): Promise<number | undefined> {
  const [row] = await hot(ex).lockUserCart.execute({ userId });
  return row?.id;
}

/**
 * The cart's lines with their products, the products locked FOR NO KEY UPDATE in ascending
 * id order (the lock is taken above the sort), so crossing checkouts never deadlock (see the
 * lock order in orders/effects.ts).
 */
export function lockCheckoutLines(ex: Executor, cartId: number) {
  return hot(ex).checkoutLines.execute({ cartId });
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
  const [row] = await hot(ex).lockUserCartRow.execute({ userId });
  return row;
}

/**
 * A product's availability and price, the quantity a cart already holds of it and the
 * total of the cart's other lines, in one query.
 */
export async function productForCart(ex: Executor, cartId: number, productId: number) {
  const [row] = await hot(ex).productForCart.execute({ cartId, productId });
  return row;
}
