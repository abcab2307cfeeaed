/**
 * Checkout money through HTTP (API-v2 §2): the cart's and the order's totals with the default
 * GST class, promotion codes (apply, remove, every refusal, eligibility by category with its
 * descendants, re-checked at checkout, the use given back on cancel), shipping methods (flat,
 * weight bands, free over, countries, the cheapest by default, a chosen one) and the tax split
 * by SHOP_STATE. Shipping methods change every checkout of their database: this file has one
 * of its own.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promotions, shippingMethods, taxClasses } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import {
  makeAddress,
  makeCategory,
  makeProduct,
  makeShop,
  makeUser,
  type Shop,
  type TestUser,
} from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import {
  addToCart,
  type Cart,
  cancelOrder,
  createOrder,
  getCart,
  ok,
  type OrderDetail,
  send,
} from '../helpers/shop.js';

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp({ SHOP_STATE: 'Karnataka' }, { isolated: true });
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

type PromotionRow = typeof promotions.$inferInsert;

async function makePromotion(fields: Partial<PromotionRow> = {}) {
  const [row] = await ctx.database.db
    .insert(promotions)
    .values({ code: unique('CODE'), kind: 'percentage', value: '10.00', ...fields })
    .returning();
  return row!;
}

async function timesUsed(id: number) {
  const [row] = await ctx.database.db.select().from(promotions).where(eq(promotions.id, id));
  return row!.timesUsed;
}

async function cartWith(user: TestUser, lines: [number, number][]): Promise<Cart> {
  let cart: Cart | undefined;
  for (const [id, q] of lines) cart = ok<Cart>(await addToCart(ctx, { user }, id, q));
  return cart!;
}

const apply = (user: TestUser, code: string) =>
  send(ctx, 'POST', '/api/cart/promotion/', { user }, { code });

describe('totals without promotions or shipping methods', () => {
  it('the cart and the order show subtotal, the tax contained (default GST 18%) and the total', async () => {
    const p = await makeProduct(shop, { price: '118.00', stock: 10 });
    const user = await makeUser(ctx);
    const cart = await cartWith(user, [[p.id, 3]]);
    expect(cart).toMatchObject({
      subtotal: '354.00',
      discount_total: '0.00',
      shipping_total: '0.00',
      tax_total: '54.00',
      total_amount: '354.00',
      promotion: null,
      shipping_method: null,
    });
    const order = ok<OrderDetail>(
      await createOrder(ctx, user, { shipping_address: '1 Test Street, Pune' }),
      201,
    );
    expect(order).toMatchObject({
      subtotal: '354.00',
      discount_total: '0.00',
      shipping_total: '0.00',
      tax_total: '54.00',
      // Free text: the state is unknown, so the tax is IGST.
      tax_breakdown: { cgst: '0.00', sgst: '0.00', igst: '54.00' },
      promotion_code: null,
      shipping_method: null,
      total_amount: '354.00',
    });
    expect(order.items[0]).toMatchObject({
      discount: '0.00',
      tax_rate: '18.00',
      tax_amount: '54.00',
    });
  });

  it('a product of another tax class is taxed at its rate; a variant’s own class wins', async () => {
    const [five] = await ctx.database.db
      .insert(taxClasses)
      .values({ name: unique('GST 5% '), rate: '5.00' })
      .returning();
    const p = await makeProduct(shop, { price: '105.00', stock: 10 });
    await ctx.database.db.execute(
      sql.raw(`update products set tax_class_id = ${five!.id} where id = ${p.id}`),
    );
    const user = await makeUser(ctx);
    await cartWith(user, [[p.id, 1]]);
    expect((await getCart(ctx, { user })).tax_total).toBe('5.00');
    const order = ok<OrderDetail>(await createOrder(ctx, user), 201);
    expect(order.items[0]).toMatchObject({ tax_rate: '5.00', tax_amount: '5.00' });
    const [zero] = await ctx.database.db
      .insert(taxClasses)
      .values({ name: unique('Exempt '), rate: '0.00' })
      .returning();
    await ctx.database.db.execute(
      sql.raw(`update product_variants set tax_class_id = ${zero!.id} where product_id = ${p.id}`),
    );
    await cartWith(user, [[p.id, 1]]);
    expect(await getCart(ctx, { user })).toMatchObject({
      tax_total: '0.00',
      total_amount: '105.00',
    });
  });
});

describe('promotion codes on the cart', () => {
  it('applies a percentage code in any case, shows it, and the order keeps it with lines that add up', async () => {
    const promo = await makePromotion({ value: '10.00' });
    const a = await makeProduct(shop, { price: '33.33', stock: 10 });
    const b = await makeProduct(shop, { price: '66.67', stock: 10 });
    const user = await makeUser(ctx);
    await cartWith(user, [
      [a.id, 1],
      [b.id, 1],
    ]);
    const cart = ok<Cart>(await apply(user, promo.code.toLowerCase()));
    expect(cart).toMatchObject({
      subtotal: '100.00',
      discount_total: '10.00',
      total_amount: '90.00',
      promotion: {
        code: promo.code,
        applies: true,
        discount: '10.00',
        free_shipping: false,
        reason: null,
        message: null,
      },
    });
    const order = ok<OrderDetail>(await createOrder(ctx, user), 201);
    expect(order).toMatchObject({
      subtotal: '100.00',
      discount_total: '10.00',
      total_amount: '90.00',
      promotion_code: promo.code,
    });
    const discounts = order.items.map((i) => Math.round(Number(i.discount) * 100));
    expect(discounts.reduce((x, y) => x + y, 0)).toBe(1000);
    // The discount comes off before the tax is taken out of the price: (33.33 − 3.33) × 18/118.
    expect(order.items.find((i) => i.product === a.id)).toMatchObject({
      discount: '3.33',
      tax_amount: '4.58',
    });
    expect(await timesUsed(promo.id)).toBe(1);
    // The cart is empty and the code is gone with the order.
    expect(await getCart(ctx, { user })).toMatchObject({ items: [], promotion: null });
  });

  it('refuses a code that does not apply, with the reason as the code, and keeps none', async () => {
    const p = await makeProduct(shop, { price: '50.00', stock: 10 });
    const user = await makeUser(ctx);
    await cartWith(user, [[p.id, 1]]);
    const other = await makeCategory(ctx, shop.admin);
    const cases: [Partial<PromotionRow>, string][] = [
      [{ isActive: false }, 'promotion_not_found'],
      [{ startsAt: new Date(Date.now() + 3_600_000) }, 'promotion_not_started'],
      [{ endsAt: new Date(Date.now() - 1000) }, 'promotion_expired'],
      [{ minSubtotal: '50.01' }, 'promotion_min_subtotal'],
      [{ usageLimit: 1, timesUsed: 1 }, 'promotion_exhausted'],
      [{ appliesCategoryIds: [other.id] }, 'promotion_not_applicable'],
    ];
    for (const [fields, code] of cases) {
      const promo = await makePromotion(fields);
      const res = await apply(user, promo.code);
      expectProblem(res, 400, code);
      expect(res.json().errors).toHaveProperty('code');
    }
    expectProblem(await apply(user, 'NO-SUCH-CODE'), 400, 'promotion_not_found');
    expect((await getCart(ctx, { user })).promotion).toBeNull();
  });

  it('an empty cart cannot take a code', async () => {
    const promo = await makePromotion();
    expectProblem(await apply(await makeUser(ctx), promo.code), 400, 'cart_empty');
  });

  it('a category code covers its descendants and only the eligible lines; removal drops it', async () => {
    const parent = await makeCategory(ctx, shop.admin);
    const child = await makeCategory(ctx, shop.admin, { parent: parent.id });
    const eligible = await makeProduct(shop, { price: '200.00', stock: 10, category: child.id });
    const other = await makeProduct(shop, { price: '100.00', stock: 10 });
    const promo = await makePromotion({
      kind: 'fixed_amount',
      value: '500.00',
      appliesCategoryIds: [parent.id],
    });
    const user = await makeUser(ctx);
    await cartWith(user, [
      [eligible.id, 1],
      [other.id, 1],
    ]);
    // A fixed amount never exceeds the eligible lines' subtotal.
    expect(ok<Cart>(await apply(user, promo.code))).toMatchObject({
      discount_total: '200.00',
      total_amount: '100.00',
    });
    const removed = ok<Cart>(await send(ctx, 'DELETE', '/api/cart/promotion/', { user }));
    expect(removed).toMatchObject({
      promotion: null,
      discount_total: '0.00',
      total_amount: '300.00',
    });
  });

  it('a code that stops applying is shown with its reason, and checkout refuses it', async () => {
    const p = await makeProduct(shop, { price: '60.00', stock: 10 });
    const promo = await makePromotion({ minSubtotal: '100.00' });
    const user = await makeUser(ctx);
    const cart = await cartWith(user, [[p.id, 2]]);
    ok(await apply(user, promo.code));
    const item = cart.items[0]!;
    const after = ok<Cart>(
      await send(ctx, 'PATCH', `/api/cart/items/${item.id}/`, { user }, { quantity: 1 }),
    );
    expect(after.promotion).toMatchObject({
      applies: false,
      reason: 'promotion_min_subtotal',
      discount: '0.00',
    });
    expect(after.total_amount).toBe('60.00');
    expectProblem(await createOrder(ctx, user), 400, 'promotion_min_subtotal');
    expect(await timesUsed(promo.id)).toBe(0);
  });

  it('a cancelled order gives its use back, once', async () => {
    const p = await makeProduct(shop, { price: '10.00', stock: 10 });
    const promo = await makePromotion({ usageLimit: 1, perCustomerLimit: 1 });
    const first = await makeUser(ctx);
    await cartWith(first, [[p.id, 1]]);
    ok(await apply(first, promo.code));
    const order = ok<OrderDetail>(await createOrder(ctx, first), 201);
    const second = await makeUser(ctx);
    await cartWith(second, [[p.id, 1]]);
    expectProblem(await apply(second, promo.code), 400, 'promotion_exhausted');
    ok(await cancelOrder(ctx, first, order.id));
    expect(await timesUsed(promo.id)).toBe(0);
    ok(await apply(second, promo.code));
    // The first customer's own use came back too.
    await cartWith(first, [[p.id, 1]]);
    ok(await apply(first, promo.code));
    // Cancelling again changes nothing.
    expect((await cancelOrder(ctx, first, order.id)).statusCode).toBe(409);
    expect(await timesUsed(promo.id)).toBe(0);
  });
});

describe('shipping methods and the tax split', () => {
  let flat: number;
  let heavy: number;
  let abroad: number;
  beforeAll(async () => {
    const rows = await ctx.database.db
      .insert(shippingMethods)
      .values([
        { name: 'Standard', kind: 'flat', price: '49.00', freeOver: '1000.00' },
        {
          name: 'By weight',
          kind: 'weight',
          rates: [
            { up_to_grams: 500, price: '30.00' },
            { up_to_grams: 2000, price: '80.00' },
          ],
        },
        { name: 'Abroad', kind: 'flat', price: '900.00', countries: ['US', 'GB'] },
      ])
      .returning();
    [flat, heavy, abroad] = rows.map((r) => r.id) as [number, number, number];
  });
  afterAll(async () => {
    await ctx.database.db.update(shippingMethods).set({ isActive: false });
  });

  async function variantWeighing(grams: number, price = '100.00') {
    const p = await makeProduct(shop, { price, stock: 20 });
    await ctx.database.db.execute(
      sql.raw(`update product_variants set weight_grams = ${grams} where product_id = ${p.id}`),
    );
    return p;
  }

  it('the cart is shipped by the cheapest method that can; the list prices each for the cart', async () => {
    const p = await variantWeighing(400);
    const user = await makeUser(ctx);
    const cart = await cartWith(user, [[p.id, 1]]);
    expect(cart).toMatchObject({
      shipping_total: '30.00',
      shipping_method: { id: heavy, name: 'By weight', price: '30.00' },
    });
    expect(cart.total_amount).toBe('130.00');
    const list = ok(await send(ctx, 'GET', '/api/cart/shipping-methods/', { user }));
    expect(list).toEqual([
      { id: heavy, name: 'By weight', price: '30.00' },
      { id: flat, name: 'Standard', price: '49.00' },
    ]);
    expect(ok(await send(ctx, 'GET', '/api/cart/shipping-methods/?country=us', { user }))).toEqual([
      { id: abroad, name: 'Abroad', price: '900.00' },
    ]);
    expectProblem(
      await send(ctx, 'GET', '/api/cart/shipping-methods/?country=Narnia', { user }),
      400,
      'validation_error',
    );
    // Two more: 1200 g, the second band; a chosen method is used as chosen.
    await cartWith(user, [[p.id, 2]]);
    expect((await getCart(ctx, { user })).shipping_total).toBe('49.00');
    const order = ok<OrderDetail>(
      await createOrder(ctx, user, {
        shipping_address: '1 Test Street, Pune',
        shipping_method_id: heavy,
      }),
      201,
    );
    expect(order).toMatchObject({
      shipping_total: '80.00',
      shipping_method: { id: heavy, name: 'By weight' },
      total_amount: '380.00',
    });
  });

  it('free over an amount, a free-shipping code, and methods that cannot ship are 400', async () => {
    const heavyOne = await variantWeighing(5000, '600.00');
    const user = await makeUser(ctx);
    await cartWith(user, [[heavyOne.id, 2]]);
    // Too heavy for the bands; Standard is free over 1000.
    expect(await getCart(ctx, { user })).toMatchObject({
      shipping_total: '0.00',
      shipping_method: { id: flat },
    });
    expectProblem(
      await createOrder(ctx, user, {
        shipping_address: '1 Test Street, Pune',
        shipping_method_id: heavy,
      }),
      400,
      'no_shipping_method',
    );
    expectProblem(
      await createOrder(ctx, user, {
        shipping_address: {
          street_address: '1 Main St',
          city: 'Paris',
          state: 'IDF',
          postal_code: '75001',
          country: 'FR',
        },
      }),
      400,
      'no_shipping_method',
    );
    const light = await variantWeighing(100, '20.00');
    const other = await makeUser(ctx);
    await cartWith(other, [[light.id, 1]]);
    const free = await makePromotion({ kind: 'free_shipping', value: null });
    expect(ok<Cart>(await apply(other, free.code))).toMatchObject({
      shipping_total: '0.00',
      discount_total: '0.00',
      total_amount: '20.00',
      promotion: { free_shipping: true },
    });
  });

  it('an address within SHOP_STATE splits the tax into CGST and SGST; another state is IGST', async () => {
    const p = await variantWeighing(100, '118.06');
    const user = await makeUser(ctx);
    await cartWith(user, [[p.id, 1]]);
    const within = ok<OrderDetail>(
      await createOrder(ctx, user, {
        shipping_address: {
          street_address: '12 MG Road',
          city: 'Bengaluru',
          state: 'ka',
          postal_code: '560001',
          country: 'India',
        },
      }),
      201,
    );
    // 18.01 of tax (118.06 × 18/118 = 18.009, half up), halves one paisa apart.
    expect(within.tax_total).toBe('18.01');
    expect(within.tax_breakdown).toEqual({ cgst: '9.01', sgst: '9.00', igst: '0.00' });
    await cartWith(user, [[p.id, 1]]);
    const address = await makeAddress(ctx, user, {
      state: 'Maharashtra',
      city: 'Pune',
      postal_code: '411001',
    });
    const outside = ok<OrderDetail>(
      await createOrder(ctx, user, { shipping_address_id: address.id }),
      201,
    );
    expect(outside.tax_breakdown).toEqual({ cgst: '0.00', sgst: '0.00', igst: '18.01' });
  });

  it('an address object is checked, every wrong field at once', async () => {
    const p = await variantWeighing(100);
    const user = await makeUser(ctx);
    await cartWith(user, [[p.id, 1]]);
    const res = await createOrder(ctx, user, {
      shipping_address: {
        street_address: ' ',
        city: 'Bengaluru',
        state: 'Atlantis',
        postal_code: '5600',
        country: 'IN',
      },
    });
    expectProblem(res, 400, 'validation_error');
    expect(Object.keys(res.json().errors).sort()).toEqual([
      'shipping_address.postal_code',
      'shipping_address.state',
      'shipping_address.street_address',
    ]);
    expect((await getCart(ctx, { user })).items).toHaveLength(1);
  });
});
