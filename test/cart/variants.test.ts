import type { LightMyRequestResponse } from 'fastify';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products, productVariants } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, type Shop, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { type As, cancelOrder, type Cart, createOrder, getCart, getOrder, ok, type OrderDetail, send } from '../helpers/shop.js';
import { defaultVariantOf, deleteVariant, insertVariants, variantStock } from '../helpers/variants.js';

/**
 * Cart lines and checkout per variant (API-v2 §1 "Cart" and "Orders"): a line is one
 * variant; stock, the 999 bound, activity and the merge are the variant's; an order item
 * snapshots its variant.
 */
let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

const add = (as: As, body: Record<string, unknown>) => send(ctx, 'POST', '/api/cart/add/', as, body);

/** A product with a Size option: S (stock 5, 10.00) and M (stock 3, 12.50), its default variant removed. */
async function sizedProduct(stock: [number, number] = [5, 3]) {
  const product = await makeProduct(shop, { price: '10.00', stock: 1 });
  const [s, m] = await insertVariants(ctx, product.id, [
    { options: { Size: 'S' }, price: '10.00', stock: stock[0] },
    { options: { Size: 'M' }, price: '12.50', stock: stock[1] },
  ]);
  await deleteVariant(ctx, await defaultVariantOf(ctx, product.id));
  return { product, s: s!, m: m! };
}

async function variantRow(id: number) {
  const [row] = await ctx.database.db.select().from(productVariants).where(eq(productVariants.id, id));
  return row!;
}

async function productStock(id: number) {
  const [row] = await ctx.database.db.select({ stock: products.stock }).from(products).where(eq(products.id, id));
  return row!.stock;
}

function tokenOf(res: LightMyRequestResponse) {
  return res.headers['x-cart-token'] as string;
}

describe('add by variant', () => {
  it('keeps a line per variant, priced at the variant, with the variant shown', async () => {
    const { product, s, m } = await sizedProduct();
    const first = await add({}, { variant_id: s, quantity: 2 });
    const as = { token: tokenOf(first) };
    ok(first);
    const cart = ok<Cart>(await add(as, { variant_id: m, product_id: product.id, quantity: 1 }));
    const sRow = await variantRow(s);
    expect(cart.items.map((i) => [i.product.id, i.variant, i.unit_price, i.quantity, i.subtotal])).toEqual([
      [product.id, { id: s, sku: sRow.sku, title: 'S', options: { Size: 'S' } }, '10.00', 2, '20.00'],
      [product.id, { id: m, sku: (await variantRow(m)).sku, title: 'M', options: { Size: 'M' } }, '12.50', 1, '12.50'],
    ]);
    expect(cart.total_amount).toBe('32.50');
    // The same variant again sums its line.
    const again = ok<Cart>(await add(as, { variant_id: s, quantity: 1 }));
    expect(again.items.map((i) => [i.variant.id, i.quantity])).toEqual([
      [s, 3],
      [m, 1],
    ]);
  });

  it('refuses product_id alone for a product with several variants: 400 variant_required', async () => {
    const { product } = await sizedProduct();
    const res = await add({}, { product_id: product.id, quantity: 1 });
    const body = expectProblem(res, 400, 'variant_required', 'variant_id');
    expect(body.errors).toEqual({ variant_id: [expect.any(String)] });
    expect(res.headers['x-cart-token']).toBeUndefined();
  });

  it('takes product_id alone for a product with one variant, as that variant', async () => {
    const product = await makeProduct(shop, { price: '7.00', stock: 4 });
    const cart = ok<Cart>(await add({}, { product_id: product.id, quantity: 2 }));
    expect(cart.items[0]!.variant.id).toBe(await defaultVariantOf(ctx, product.id));
    expect(cart.items[0]!.unit_price).toBe('7.00');
  });

  it('refuses a variant_id of another product than product_id', async () => {
    const { s } = await sizedProduct();
    const other = await makeProduct(shop);
    const res = await add({}, { variant_id: s, product_id: other.id, quantity: 1 });
    expectProblem(res, 400, 'validation_error', 'variant_id');
  });

  it('refuses an unknown or inactive variant, or a variant of an inactive product', async () => {
    const { product, s, m } = await sizedProduct();
    await ctx.database.db.update(productVariants).set({ isActive: false }).where(eq(productVariants.id, m));
    for (const variant_id of [m, 2_147_483_000]) {
      const body = expectProblem(await add({}, { variant_id, quantity: 1 }), 400, 'validation_error', 'variant_id');
      expect(body.errors).toEqual({ variant_id: ['Variant not found or inactive'] });
    }
    await ctx.database.db.update(products).set({ isActive: false }).where(eq(products.id, product.id));
    expectProblem(await add({}, { variant_id: s, quantity: 1 }), 400, 'validation_error', 'variant_id');
  });

  it('bounds a line by its variant’s stock, not the product’s', async () => {
    const { product, s, m } = await sizedProduct([5, 3]);
    expect(await productStock(product.id)).toBe(8);
    const body = expectProblem(await add({}, { variant_id: m, quantity: 4 }), 400, 'validation_error', 'quantity');
    expect(body.errors).toEqual({ quantity: ['Only 3 items available in stock'] });
    const first = await add({}, { variant_id: s, quantity: 5 });
    const cart = ok<Cart>(first);
    // Setting a line's quantity checks the variant's stock too.
    const line = cart.items[0]!;
    expectProblem(
      await send(ctx, 'PATCH', `/api/cart/items/${line.id}/`, { token: tokenOf(first) }, { quantity: 6 }),
      400,
      'validation_error',
      'quantity',
    );
  });
});

describe('merge per variant at login', () => {
  it('sums the lines of the same variant (capped at its stock) and keeps the others apart', async () => {
    const { s, m } = await sizedProduct([5, 3]);
    const user = await makeUser(ctx);
    ok(await add({ user }, { variant_id: s, quantity: 4 }));
    const guest = await add({}, { variant_id: s, quantity: 3 });
    const token = tokenOf(guest);
    ok(await add({ token }, { variant_id: m, quantity: 2 }));
    ok(await send(ctx, 'POST', '/api/auth/login/', { token }, { username: user.username, password: user.password }));
    const cart = await getCart(ctx, { user });
    expect(cart.items.map((i) => [i.variant.id, i.quantity])).toEqual([
      [s, 5],
      [m, 2],
    ]);
  });
});

describe('checkout per variant', () => {
  async function buy(user: TestUser, lines: [number, number][]) {
    for (const [variant_id, quantity] of lines) ok(await add({ user }, { variant_id, quantity }));
    return ok<OrderDetail>(await createOrder(ctx, user), 201);
  }

  it('snapshots each variant on its item and deducts the variants’ stock', async () => {
    const { product, s, m } = await sizedProduct([5, 3]);
    const user = await makeUser(ctx);
    const order = await buy(user, [
      [s, 2],
      [m, 3],
    ]);
    const [sRow, mRow] = [await variantRow(s), await variantRow(m)];
    expect(order.total_amount).toBe('57.50');
    expect(order.items).toEqual([
      expect.objectContaining({
        product: product.id,
        product_name: product.name,
        variant_id: s,
        sku: sRow.sku,
        variant_title: 'S',
        variant_options: { Size: 'S' },
        quantity: 2,
        price_at_purchase: '10.00',
        subtotal: '20.00',
      }),
      expect.objectContaining({
        variant_id: m,
        sku: mRow.sku,
        variant_title: 'M',
        variant_options: { Size: 'M' },
        quantity: 3,
        price_at_purchase: '12.50',
        subtotal: '37.50',
      }),
    ]);
    expect([sRow.stock, mRow.stock]).toEqual([3, 0]);
    expect(await productStock(product.id)).toBe(3);
    // The stored order reads the same.
    expect((await getOrder(ctx, user, order.id)).items).toEqual(order.items);
  });

  it('never changes an order when its variant is edited later; an ordered variant cannot be deleted', async () => {
    const { s } = await sizedProduct();
    const user = await makeUser(ctx);
    const order = await buy(user, [[s, 1]]);
    await ctx.database.db
      .update(productVariants)
      .set({ sku: `${order.items[0]!.sku}-renamed`, title: 'Small', options: { Size: 'XS' }, price: '99.00', isActive: false })
      .where(eq(productVariants.id, s));
    await expect(deleteVariant(ctx, s)).rejects.toThrow();
    expect((await getOrder(ctx, user, order.id)).items).toEqual(order.items);
  });

  it('refuses a line whose variant became inactive or short: 400 insufficient_stock, nothing changes', async () => {
    const { product, s, m } = await sizedProduct([5, 3]);
    const user = await makeUser(ctx);
    ok(await add({ user }, { variant_id: s, quantity: 2 }));
    ok(await add({ user }, { variant_id: m, quantity: 2 }));
    await ctx.database.db.update(productVariants).set({ isActive: false }).where(eq(productVariants.id, m));
    const body = expectProblem(await createOrder(ctx, user), 400, 'insufficient_stock');
    expect(body.detail).toContain(`${product.name} (M)`);
    await ctx.database.db.update(productVariants).set({ isActive: true, stock: 1 }).where(eq(productVariants.id, m));
    expectProblem(await createOrder(ctx, user), 400, 'insufficient_stock');
    expect([await variantStock(ctx, s), await variantStock(ctx, m)]).toEqual([5, 1]);
    expect((await getCart(ctx, { user })).items).toHaveLength(2);
  });

  it('puts cancelled stock back on the variants', async () => {
    const { product, s, m } = await sizedProduct([5, 3]);
    const user = await makeUser(ctx);
    const order = await buy(user, [
      [s, 5],
      [m, 1],
    ]);
    expect(await productStock(product.id)).toBe(2);
    ok(await cancelOrder(ctx, user, order.id));
    expect([await variantStock(ctx, s), await variantStock(ctx, m)]).toEqual([5, 3]);
    expect(await productStock(product.id)).toBe(8);
  });
});
