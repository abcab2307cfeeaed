import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { makeProduct, makeShop, makeUser, placeOrder, type Shop, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import {
  cancelOrder,
  getOrder,
  ISO,
  listOrders,
  ok,
  type OrderDetail,
  type OrderListItem,
  type ProductDetail,
  send,
  updateStatus,
  CASH,
} from '../helpers/shop.js';

let ctx: TestContext;
let shop: Shop;
let product: ProductDetail;
let other: ProductDetail;
beforeAll(async () => {
  ctx = await buildTestApp();
  shop = await makeShop(ctx);
  [product, other] = await Promise.all([
    makeProduct(shop, { price: '10.00', stock: 500 }),
    makeProduct(shop, { price: '2.50', stock: 500 }),
  ]);
});
afterAll(async () => ctx?.close());

/** A user with three orders, oldest first: 1 line, 2 lines, 1 line (then the last one paid). */
async function userWithOrders(): Promise<{ user: TestUser; orders: OrderDetail[] }> {
  const user = await makeUser(ctx);
  const orders = [
    await placeOrder(ctx, user, [[product.id, 1]]),
    await placeOrder(ctx, user, [
      [product.id, 2],
      [other.id, 3],
    ]),
    await placeOrder(ctx, user, [[other.id, 1]]),
  ];
  return { user, orders };
}

describe('order list', () => {
  it('lists the user’s orders newest first with the list item shape', async () => {
    const { user, orders } = await userWithOrders();
    const page = await listOrders(ctx, user);
    expect(page.count).toBe(3);
    expect(page.next).toBeNull();
    expect(page.previous).toBeNull();
    expect(page.results.map((o) => o.id)).toEqual(orders.map((o) => o.id).reverse());
    const [o1, o2] = [orders[0]!, orders[1]!];
    expect(page.results[1]).toEqual({
      id: o2.id,
      order_number: o2.order_number,
      total_amount: '27.50',
      status: 'pending',
      payment_status: 'pending',
      items_count: 2,
      customer: { id: user.id, username: user.username, email: user.email },
      created_at: o2.created_at,
    } satisfies OrderListItem);
    expect(page.results[2]).toMatchObject({ id: o1.id, total_amount: '10.00', items_count: 1 });
    expect(page.results[0]!.created_at).toMatch(ISO);
  });

  it('pages with page and page_size; past the end is 404', async () => {
    const { user, orders } = await userWithOrders();
    const first = await listOrders(ctx, user, '?page_size=2');
    expect(first.count).toBe(3);
    expect(first.results.map((o) => o.id)).toEqual([orders[2]!.id, orders[1]!.id]);
    expect(first.previous).toBeNull();
    expect(first.next).toMatch(/^https?:\/\/[^/]+\/api\/orders\/\?.*page=2/);
    const second = await listOrders(ctx, user, '?page_size=2&page=2');
    expect(second.results.map((o) => o.id)).toEqual([orders[0]!.id]);
    expect(second.next).toBeNull();
    expect(second.previous).toMatch(/^https?:\/\//);
    expectProblem(await send(ctx, 'GET', '/api/orders/?page_size=2&page=3', { user }), 404, 'not_found');
  });

  it('filters by ?status=', async () => {
    const { user, orders } = await userWithOrders();
    const admin = shop.admin;
    ok(await cancelOrder(ctx, user, orders[0]!.id));
    ok(await updateStatus(ctx, admin, orders[2]!.id, 'paid', undefined, CASH));
    const cancelled = await listOrders(ctx, user, '?status=cancelled');
    expect(cancelled.count).toBe(1);
    expect(cancelled.results).toEqual([expect.objectContaining({ id: orders[0]!.id, status: 'cancelled' })]);
    const paid = await listOrders(ctx, user, '?status=paid');
    expect(paid.results).toEqual([
      expect.objectContaining({ id: orders[2]!.id, status: 'paid', payment_status: 'success' }),
    ]);
    const pending = await listOrders(ctx, user, '?status=pending');
    expect(pending.results.map((o) => o.id)).toEqual([orders[1]!.id]);
    const shipped = await listOrders(ctx, user, '?status=shipped');
    expect(shipped).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('rejects an unknown ?status= with 400', async () => {
    const user = await makeUser(ctx);
    const res = await send(ctx, 'GET', '/api/orders/?status=lost', { user });
    expectProblem(res, 400, 'validation_error', 'status');
  });

  it('a user without orders has an empty list', async () => {
    const user = await makeUser(ctx);
    expect(await listOrders(ctx, user)).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('is login only', async () => {
    expectProblem(await send(ctx, 'GET', '/api/orders/'), 401, 'not_authenticated');
    expectProblem(await send(ctx, 'GET', '/api/orders/1/'), 401, 'not_authenticated');
  });
});

describe('visibility', () => {
  it('users see only their own orders; another user’s order is 404', async () => {
    const [{ user: alice, orders: aliceOrders }, bob] = await Promise.all([userWithOrders(), makeUser(ctx)]);
    const bobOrder = await placeOrder(ctx, bob, [[product.id, 1]]);
    const bobList = await listOrders(ctx, bob);
    expect(bobList.results.map((o) => o.id)).toEqual([bobOrder.id]);
    expectProblem(await send(ctx, 'GET', `/api/orders/${aliceOrders[0]!.id}/`, { user: bob }), 404, 'not_found');
    expectProblem(await cancelOrder(ctx, bob, aliceOrders[0]!.id), 404, 'not_found');
    expect((await getOrder(ctx, alice, aliceOrders[0]!.id)).status).toBe('pending');
    expectProblem(await send(ctx, 'GET', '/api/orders/2147483000/', { user: bob }), 404, 'not_found');
  });

  it('a non-admin’s ?user= is ignored', async () => {
    const [{ user: alice }, bob] = await Promise.all([userWithOrders(), makeUser(ctx)]);
    const bobOrder = await placeOrder(ctx, bob, [[product.id, 1]]);
    const res = await listOrders(ctx, bob, `?user=${alice.id}`);
    expect(res.count).toBe(1);
    expect(res.results.map((o) => o.id)).toEqual([bobOrder.id]);
  });

  it('an admin sees any order and filters by ?user=', async () => {
    const { user, orders } = await userWithOrders();
    const admin = shop.admin;
    const detail = await getOrder(ctx, admin, orders[1]!.id);
    // The same order; only what each may do with it differs (staff: the workflow's next steps).
    const { allowed_transitions: staffMoves, ...seenByStaff } = detail;
    const { allowed_transitions: ownerMoves, ...seenByOwner } = await getOrder(ctx, user, orders[1]!.id);
    expect(seenByStaff).toEqual(seenByOwner);
    expect(staffMoves).toEqual(['paid', 'payment_failed', 'cancelled']);
    expect(ownerMoves).toEqual(['cancelled']);
    expect(detail.user_email).toBe(user.email);
    const list = await listOrders(ctx, admin, `?user=${user.id}`);
    expect(list.count).toBe(3);
    expect(list.results.map((o) => o.id)).toEqual(orders.map((o) => o.id).reverse());
    const filtered = await listOrders(ctx, admin, `?user=${user.id}&status=pending&page_size=1`);
    expect(filtered.count).toBe(3);
    expect(filtered.results.map((o) => o.id)).toEqual([orders[2]!.id]);
    // the admin's own list (no ?user=) is not limited to the admin's orders
    const all = await listOrders(ctx, admin, '?page_size=1');
    expect(all.count).toBeGreaterThanOrEqual(3);
  });

  it('rejects a bad ?user= with 400', async () => {
    expectProblem(await send(ctx, 'GET', '/api/orders/?user=abc', { user: shop.admin }), 400, 'validation_error', 'user');
  });
});
