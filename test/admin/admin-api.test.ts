import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categories, orders, payments, users, webhookEvents } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, insertProducts, makeAdmin, makeUser, PASSWORD, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

/** A database of its own: the payment and webhook lists are global. */
let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp({}, { isolated: true });
  admin = await makeAdmin(ctx);
});
afterAll(async () => ctx?.close());

const as = (user: TestUser | null, method: 'GET' | 'PATCH', url: string, payload?: object) =>
  ctx.app.inject({ method, url, headers: user ? bearer(user.access) : {}, ...(payload ? { payload } : {}) });

describe('admin API', () => {
  it('is for admins only', async () => {
    const shopper = await makeUser(ctx);
    for (const url of ['/api/admin/users/', `/api/admin/users/${shopper.id}/`, '/api/admin/payments/', '/api/admin/webhook-events/']) {
      expectProblem(await as(null, 'GET', url), 401, 'not_authenticated');
      expectProblem(await as(shopper, 'GET', url), 403, 'permission_denied');
    }
    expectProblem(await as(shopper, 'PATCH', `/api/admin/users/${shopper.id}/`, { is_staff: true }), 403, 'permission_denied');
  });

  it('lists and searches users with their order counts', async () => {
    const token = unique('zz');
    const a = await makeUser(ctx, { username: `${token}_anna`, first_name: 'Anna', last_name: 'Karenina' });
    await makeUser(ctx, { username: `${token}_boris` });
    const [cat] = await ctx.database.db.insert(categories).values({ name: unique('c'), slug: unique('c') }).returning();
    const [p] = await insertProducts(ctx, [{ name: 'x', slug: unique('p'), price: '5.00', stock: 9, categoryId: cat!.id }]);
    await ctx.app.inject({ method: 'POST', url: '/api/cart/add/', headers: bearer(a.access), payload: { product_id: p!.id } });
    const placed = await ctx.app.inject({ method: 'POST', url: '/api/orders/', headers: bearer(a.access), payload: { shipping_address: 'Somewhere 1' } });
    expect(placed.statusCode).toBe(201);

    const page = (await as(admin, 'GET', `/api/admin/users/?search=${token}`)).json();
    expect(page.count).toBe(2);
    expect(page.results[0]).toEqual({
      id: a.id,
      username: `${token}_anna`,
      email: a.email,
      first_name: 'Anna',
      last_name: 'Karenina',
      phone: '',
      is_staff: false,
      date_joined: expect.any(String),
      is_active: true,
      last_login: expect.any(String),
      orders_count: 1,
    });
    expect(page.results[1].orders_count).toBe(0);
    expect((await as(admin, 'GET', '/api/admin/users/?search=anna%20karenina')).json().count).toBe(1);
    expect((await as(admin, 'GET', '/api/admin/users/?search=' + a.email.toUpperCase())).json().count).toBe(1);
    const staff = (await as(admin, 'GET', '/api/admin/users/?is_staff=true')).json();
    expect(staff.results.map((u: { id: number }) => u.id)).toEqual([admin.id]);
    expect((await as(admin, 'GET', `/api/admin/users/${a.id}/`)).json().orders_count).toBe(1);
    expectProblem(await as(admin, 'GET', '/api/admin/users/999999/'), 404, 'not_found');
    expectProblem(await as(admin, 'GET', '/api/admin/users/?is_active=maybe'), 400, 'validation_error', 'is_active');
  });

  it('deactivation ends the user’s sessions at once; reactivation lets them log in again', async () => {
    const user = await makeUser(ctx);
    const res = await as(admin, 'PATCH', `/api/admin/users/${user.id}/`, { is_active: false });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().is_active).toBe(false);
    expectProblem(await as(user, 'GET', '/api/auth/profile/'), 401, 'token_invalid');
    const refresh = await ctx.app.inject({ method: 'POST', url: '/api/auth/token/refresh/', payload: { refresh: user.refresh } });
    expectProblem(refresh, 401, 'token_invalid');
    const login = () =>
      ctx.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username: user.username, password: PASSWORD } });
    expectProblem(await login(), 401, 'authentication_failed');
    expect((await as(admin, 'PATCH', `/api/admin/users/${user.id}/`, { is_active: true })).statusCode).toBe(200);
    expect((await login()).statusCode).toBe(200);
  });

  it('grants and revokes staff; ignores other fields; refuses self-demotion', async () => {
    const user = await makeUser(ctx);
    const granted = await as(admin, 'PATCH', `/api/admin/users/${user.id}/`, { is_staff: true, username: 'hijack', email: 'x@y.z' });
    expect(granted.json()).toMatchObject({ is_staff: true, username: user.username, email: user.email });
    expect((await as(user, 'GET', '/api/admin/users/')).statusCode).toBe(200);
    expect((await as(admin, 'PATCH', `/api/admin/users/${user.id}/`, { is_staff: false })).json().is_staff).toBe(false);
    expectProblem(await as(user, 'GET', '/api/admin/users/'), 403, 'permission_denied');

    expectProblem(await as(admin, 'PATCH', `/api/admin/users/${admin.id}/`, { is_staff: false }), 409, 'conflict');
    expectProblem(await as(admin, 'PATCH', `/api/admin/users/${admin.id}/`, { is_active: false }), 409, 'conflict');
    const [me] = await ctx.database.db.select().from(users).where(eq(users.id, admin.id));
    expect(me).toMatchObject({ isStaff: true, isActive: true });
  });

  it('lists payments and webhook events, newest first, with filters', async () => {
    const buyer = await makeUser(ctx);
    const made: number[] = [];
    for (const [i, status] of (['initiated', 'success', 'failed'] as const).entries()) {
      const [order] = await ctx.database.db
        .insert(orders)
        .values({
          orderNumber: `ORD-00000000000${i}`,
          userId: buyer.id,
          totalAmount: '10.50',
          subtotal: '10.50',
          shippingAddress: 'Here',
        })
        .returning();
      const [payment] = await ctx.database.db
        .insert(payments)
        .values({
          orderId: order!.id,
          amount: '10.50',
          status,
          razorpayOrderId: `order_${i}`,
          createdAt: new Date(Date.now() + i * 1000),
        })
        .returning();
      made.push(payment!.id);
    }
    const all = (await as(admin, 'GET', '/api/admin/payments/')).json();
    expect(all.count).toBe(3);
    expect(all.results.map((p: { id: number }) => p.id)).toEqual([...made].reverse());
    expect(all.results[2]).toEqual({
      id: made[0],
      order_id: expect.any(Number),
      order_number: 'ORD-000000000000',
      razorpay_order_id: 'order_0',
      razorpay_payment_id: null,
      amount: '10.50',
      currency: 'INR',
      status: 'initiated',
      provider: 'razorpay',
      second_capture: false,
      method: null,
      reference: null,
      recorded_by_id: null,
      refunded_amount: '0.00',
      razorpay_refund_id: null,
      refund_status: null,
      refund_error: null,
      error: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const ok = (await as(admin, 'GET', '/api/admin/payments/?status=success')).json();
    expect(ok.results.map((p: { id: number }) => p.id)).toEqual([made[1]]);
    expectProblem(await as(admin, 'GET', '/api/admin/payments/?status=weird'), 400, 'validation_error', 'status');
    expectProblem(
      await as(admin, 'GET', '/api/admin/payments/?refund_status=weird'),
      400,
      'validation_error',
      'refund_status',
    );

    await ctx.database.db.insert(webhookEvents).values([
      { eventId: 'evt_1', event: 'payment.captured', payload: {}, processed: true },
      { eventId: 'evt_2', event: 'payment.failed', payload: {}, processed: false, error: 'No payment', receivedAt: new Date(Date.now() + 5000) },
    ]);
    const events = (await as(admin, 'GET', '/api/admin/webhook-events/?page_size=1')).json();
    expect(events.count).toBe(2);
    expect(events.next).toContain('page=2');
    expect(events.results).toEqual([
      { id: expect.any(Number), event_id: 'evt_2', event: 'payment.failed', processed: false, error: 'No payment', received_at: expect.any(String) },
    ]);
  });
});
