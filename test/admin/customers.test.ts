/**
 * Customers for staff: the orders list's customer column and search by the customer's
 * e-mail or username, and a user's detail as a customer (addresses, orders, total spent).
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders, payments } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { countQueries } from '../helpers/catalog.js';
import {
  makeAddress,
  makeProduct,
  makeShop,
  makeUser,
  placeOrder,
  type Shop,
  type TestUser,
} from '../helpers/factories.js';
import { capture, planOf } from '../helpers/plans.js';
import { expectProblem } from '../helpers/problems.js';
import { CASH, ok, type OrderListItem, send } from '../helpers/shop.js';

let ctx: TestContext;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
});
afterAll(async () => ctx?.close());

const get = (user: TestUser | null, url: string) => send(ctx, 'GET', url, { user });
const numbersOf = async (user: TestUser, query: string) =>
  ok<{ count: number; results: OrderListItem[] }>(await get(user, `/api/orders/?${query}`))
    .results.map((o) => o.order_number)
    .sort();

/** A customer with a distinctive name and `count` orders of one product at 100.00 each. */
async function customerWithOrders(count: number, name = unique('cust_')) {
  const user = await makeUser(ctx, { username: name, email: `${name}.Mail@Example.com` });
  const product = await makeProduct(shop, { stock: 50, price: '100.00' });
  const placed = [];
  for (let i = 0; i < count; i++) placed.push(await placeOrder(ctx, user, [[product.id, 1]]));
  return { user, orders: placed };
}

describe('the orders list for staff', () => {
  it('shows each order’s customer', async () => {
    const {
      user,
      orders: [order],
    } = await customerWithOrders(1);
    const page = ok<{ results: OrderListItem[] }>(
      await get(shop.admin, `/api/orders/?user=${user.id}`),
    );
    expect(page.results).toEqual([
      expect.objectContaining({
        id: order!.id,
        customer: { id: user.id, username: user.username, email: user.email },
      }),
    ]);
    // The shopper's own list carries it too (it is theirs).
    const own = ok<{ results: OrderListItem[] }>(await get(user, '/api/orders/'));
    expect(own.results[0]!.customer).toEqual({
      id: user.id,
      username: user.username,
      email: user.email,
    });
  });

  it('finds orders by a part of the customer’s e-mail or username, case-insensitively', async () => {
    const tag = unique('zq').toLowerCase();
    const a = await customerWithOrders(2, `${tag}_anna`);
    const b = await customerWithOrders(1, `${tag}_bela`);
    const numbers = (x: { orders: { order_number: string }[] }) =>
      x.orders.map((o) => o.order_number);
    expect(await numbersOf(shop.admin, `search=${tag}_ANNA`)).toEqual(numbers(a).sort());
    expect(await numbersOf(shop.admin, `search=${tag}`)).toEqual(
      [...numbers(a), ...numbers(b)].sort(),
    );
    expect(
      await numbersOf(shop.admin, `search=${encodeURIComponent(`${tag}_bela.mail@example`)}`),
    ).toEqual(numbers(b));
    expect(
      await numbersOf(shop.admin, `search=${encodeURIComponent(a.user.email.toUpperCase())}`),
    ).toEqual(numbers(a).sort());
    // With other filters; and LIKE's wildcards are literal.
    expect(await numbersOf(shop.admin, `search=${tag}&user=${b.user.id}`)).toEqual(numbers(b));
    expect(await numbersOf(shop.admin, `search=${tag}&status=paid`)).toEqual([]);
    expect(await numbersOf(shop.admin, `search=${tag}%25anna`)).toEqual([]);
    expect(await numbersOf(shop.admin, `search=${tag.slice(0, -1)}_`)).toEqual([]);
    // An order number still finds its order; a shopper's search never reaches others' orders.
    expect(await numbersOf(shop.admin, `search=${numbers(b)[0]!.toLowerCase()}`)).toEqual(
      numbers(b),
    );
    expect(await numbersOf(a.user, `search=${tag}`)).toEqual([]);
    expect(await numbersOf(b.user, `search=${numbers(b)[0]}`)).toEqual(numbers(b));
    expect(await numbersOf(a.user, `search=${numbers(b)[0]}`)).toEqual([]);
  });

  it('bounds the search term and the user id (400 naming the field)', async () => {
    expectProblem(
      await get(shop.admin, `/api/orders/?search=${'a'.repeat(255)}`),
      400,
      'validation_error',
      'search',
    );
    expectProblem(await get(shop.admin, '/api/orders/?user=abc'), 400, 'validation_error', 'user');
    expectProblem(
      await get(shop.admin, '/api/orders/?user=2147483648'),
      400,
      'validation_error',
      'user',
    );
  });

  it('reads a page of 20 in as many statements as a page of 1 (no N+1)', async () => {
    const { user } = await customerWithOrders(20);
    const one = await countQueries(ctx, () =>
      get(shop.admin, `/api/orders/?user=${user.id}&page_size=1`),
    );
    let page: { results: OrderListItem[] } | undefined;
    const twenty = await countQueries(ctx, async () => {
      page = ok(await get(shop.admin, `/api/orders/?user=${user.id}&page_size=20`));
    });
    expect(page!.results).toHaveLength(20);
    expect(twenty).toBe(one);
  });
});

describe('the indexes behind the customer search', () => {
  it('finds the customers by trigram index and their orders by orders_user_created_idx', async () => {
    const sent = await capture(ctx, () => get(shop.admin, '/api/orders/?search=someone%40example'));
    const list = sent.find((s) => /from "orders" inner join "users"/.test(s.text));
    expect(list, sent.map((s) => s.text).join('\n')).toBeDefined();
    const plan = await planOf(ctx, list!);
    expect(plan).toMatch(/users_(email|username)_trgm_idx/);
    expect(plan).toMatch(/orders_user_created_idx/);
    expect(plan).not.toMatch(/Seq Scan on orders/);
  });
});

describe('a user as a customer', () => {
  it('gives addresses, orders count, total spent net of processed refunds and the last order', async () => {
    const { user, orders: placed } = await customerWithOrders(4);
    const address = await makeAddress(ctx, user, { city: 'Mysuru' });
    const [paid, refundedPart, refundedAll] = placed;
    const move = (id: number, body: object) =>
      send(ctx, 'PATCH', `/api/orders/${id}/update_status/`, { user: shop.admin }, body);
    for (const o of [paid!, refundedPart!, refundedAll!])
      ok(await move(o.id, { status: 'paid', payment: CASH }));
    // Refunds as the payments module settles them: 30.00 of one order, all of another; and a
    // second capture of the first order, refunded whole, which never counted.
    const paymentOf = async (orderId: number) =>
      (await ctx.database.db.select().from(payments).where(eq(payments.orderId, orderId)))[0]!;
    await ctx.database.db
      .update(payments)
      .set({ refundedAmount: '30.00', status: 'partially_refunded' })
      .where(eq(payments.id, (await paymentOf(refundedPart!.id)).id));
    await ctx.database.db
      .update(orders)
      .set({ paymentStatus: 'partially_refunded' })
      .where(eq(orders.id, refundedPart!.id));
    await ctx.database.db
      .update(payments)
      .set({ refundedAmount: '100.00', status: 'refunded' })
      .where(eq(payments.id, (await paymentOf(refundedAll!.id)).id));
    await ctx.database.db
      .update(orders)
      .set({ paymentStatus: 'refunded' })
      .where(eq(orders.id, refundedAll!.id));
    await ctx.database.db.insert(payments).values({
      orderId: paid!.id,
      razorpayOrderId: unique('order_'),
      razorpayPaymentId: unique('pay_'),
      amount: '100.00',
      status: 'refunded',
      secondCapture: true,
      refundedAmount: '100.00',
    });

    const detail = ok(await get(shop.admin, `/api/admin/users/${user.id}/`));
    expect(detail).toMatchObject({
      id: user.id,
      username: user.username,
      email: user.email,
      is_active: true,
      orders_count: 4,
      // 100 + (100 - 30) + (100 - 100); the pending order does not count.
      total_spent: '170.00',
      last_order_at: placed[3]!.created_at,
    });
    expect(detail.addresses).toEqual([address]);
  });

  it('gives zeros for a user without orders; 404 for no user; staff only', async () => {
    const user = await makeUser(ctx);
    expect(ok(await get(shop.admin, `/api/admin/users/${user.id}/`))).toMatchObject({
      orders_count: 0,
      total_spent: '0.00',
      last_order_at: null,
      addresses: [],
    });
    expectProblem(await get(shop.admin, '/api/admin/users/2147483647/'), 404, 'not_found');
    expectProblem(await get(shop.admin, '/api/admin/users/0/'), 400, 'validation_error', 'id');
    expectProblem(await get(user, `/api/admin/users/${user.id}/`), 403, 'permission_denied');
    expectProblem(await get(null, `/api/admin/users/${user.id}/`), 401, 'not_authenticated');
  });

  it('keeps PATCH answering the user with orders_count', async () => {
    const { user } = await customerWithOrders(1);
    const res = await send(
      ctx,
      'PATCH',
      `/api/admin/users/${user.id}/`,
      { user: shop.admin },
      { is_active: false },
    );
    expect(ok(res)).toMatchObject({ id: user.id, is_active: false, orders_count: 1 });
  });
});
