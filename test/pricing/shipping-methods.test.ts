import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { orders } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext } from '../helpers/app.js';
import { bearer, makeAdmin, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

// A database of its own: an active method here would price other files' checkouts.
let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp({}, { isolated: true });
  admin = await makeAdmin(ctx);
});
afterAll(async () => ctx?.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const as = (user: TestUser | null, method: Method, url: string, payload?: object) =>
  ctx.app.inject({
    method,
    url,
    headers: user ? bearer(user.access) : {},
    ...(payload ? { payload } : {}),
  });
const BASE = '/api/admin/shipping-methods/';
const create = (body: object) => as(admin, 'POST', BASE, body);
const patch = (id: number, body: object) => as(admin, 'PATCH', `${BASE}${id}/`, body);

describe('shipping methods (admin)', () => {
  it('are for staff only', async () => {
    const shopper = await makeUser(ctx);
    const made = (await create({ name: 'Standard', kind: 'flat', price: '49' })).json<{
      id: number;
    }>();
    const routes: [Method, string, object?][] = [
      ['GET', BASE],
      ['POST', BASE, { name: 'X', kind: 'flat', price: 1 }],
      ['GET', `${BASE}${made.id}/`],
      ['PATCH', `${BASE}${made.id}/`, { is_active: false }],
      ['DELETE', `${BASE}${made.id}/`],
    ];
    for (const [method, url, body] of routes) {
      expectProblem(await as(null, method, url, body), 401, 'not_authenticated');
      expectProblem(await as(shopper, method, url, body), 403, 'permission_denied');
    }
    expect((await as(admin, 'GET', `${BASE}${made.id}/`)).json().price).toBe('49.00');
  });

  it('creates a flat method with defaults, reads, lists and filters it', async () => {
    const res = await create({ name: '  Express  ', kind: 'flat', price: 99.5, free_over: '999' });
    expect(res.statusCode, res.body).toBe(201);
    const made = res.json();
    expect(made).toEqual({
      id: expect.any(Number),
      name: 'Express',
      kind: 'flat',
      price: '99.50',
      rates: [],
      free_over: '999.00',
      countries: ['IN'],
      is_active: true,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await as(admin, 'GET', `${BASE}${made.id}/`)).json()).toEqual(made);
    const off = (
      await create({ name: 'Dormant', kind: 'flat', price: 0, is_active: false })
    ).json();
    expect(off.price).toBe('0.00');

    const all = (await as(admin, 'GET', `${BASE}?page_size=100`)).json();
    expect(all.results).toContainEqual(made);
    expect(all.results.map((m: { id: number }) => m.id)).toEqual(
      [...all.results.map((m: { id: number }) => m.id)].sort((a, b) => a - b),
    );
    const active = (await as(admin, 'GET', `${BASE}?is_active=true&page_size=100`)).json();
    expect(active.results.every((m: { is_active: boolean }) => m.is_active)).toBe(true);
    expect(active.results.map((m: { id: number }) => m.id)).not.toContain(off.id);
    const inactive = (await as(admin, 'GET', `${BASE}?is_active=false`)).json();
    expect(inactive.results.map((m: { id: number }) => m.id)).toEqual([off.id]);
    expect(inactive.count).toBe(1);
    expectProblem(await as(admin, 'GET', `${BASE}?page=999`), 404, 'not_found');
    expectProblem(
      await as(admin, 'GET', `${BASE}?is_active=maybe`),
      400,
      'validation_error',
      'is_active',
    );
  });

  it('sorts weight bands, keeps money exact and maps countries to ISO codes', async () => {
    const res = await create({
      name: 'By weight',
      kind: 'weight',
      rates: [
        { up_to_grams: 5000, price: '120.10' },
        { up_to_grams: 500, price: 40 },
        { up_to_grams: 2000, price: '0.1' },
      ],
      countries: ['india', 'us', 'IN', ' Gb '],
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      kind: 'weight',
      price: null,
      rates: [
        { up_to_grams: 500, price: '40.00' },
        { up_to_grams: 2000, price: '0.10' },
        { up_to_grams: 5000, price: '120.10' },
      ],
      free_over: null,
      countries: ['IN', 'US', 'GB'],
    });
  });

  it('names every wrong field of a flat method at once', async () => {
    const body = expectProblem(
      await create({
        name: '   ',
        kind: 'flat',
        price: '-1',
        rates: [{ up_to_grams: 100, price: 1 }],
        free_over: '1.234',
        countries: ['Frnace', 'XX', 'IN'],
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(body.errors!).sort()).toEqual([
      'countries',
      'free_over',
      'name',
      'price',
      'rates',
    ]);
    expect(body.errors!.countries![0]).toContain('"Frnace"');
    expect(body.errors!.countries![0]).toContain('"XX"');
    expect(body.errors!.countries![0]).not.toContain('"IN"');
    expectProblem(
      await create({ name: 'No price', kind: 'flat' }),
      400,
      'validation_error',
      'price',
    );
    expectProblem(
      await create({ name: 'Null price', kind: 'flat', price: null }),
      400,
      'validation_error',
      'price',
    );
    expectProblem(
      await create({ name: 'Big', kind: 'flat', price: '12345678901' }),
      400,
      'validation_error',
      'price',
    );
    expectProblem(
      await create({ name: 'Nowhere', kind: 'flat', price: 1, countries: [] }),
      400,
      'validation_error',
      'countries',
    );
    // A flat method may say "no bands" explicitly.
    expect((await create({ name: 'Flat []', kind: 'flat', price: 1, rates: [] })).statusCode).toBe(
      201,
    );
  });

  it('names every wrong band and field of a weight method at once', async () => {
    const body = expectProblem(
      await create({
        name: 'Bad bands',
        kind: 'weight',
        price: '10',
        rates: [
          { up_to_grams: 1000, price: '10' },
          { up_to_grams: 0, price: 'ten' },
          { up_to_grams: 1000, price: -5 },
          { up_to_grams: -3, price: '1' },
        ],
        free_over: -1,
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(body.errors!).sort()).toEqual([
      'free_over',
      'price',
      'rates.1.price',
      'rates.1.up_to_grams',
      'rates.2.price',
      'rates.2.up_to_grams',
      'rates.3.up_to_grams',
    ]);
    expectProblem(
      await create({ name: 'No bands', kind: 'weight' }),
      400,
      'validation_error',
      'rates',
    );
    expectProblem(
      await create({ name: 'Empty bands', kind: 'weight', rates: [] }),
      400,
      'validation_error',
      'rates',
    );
    // price: null is "no price", which a weight method may say.
    const ok = await create({
      name: 'Null price',
      kind: 'weight',
      price: null,
      rates: [{ up_to_grams: 1, price: 0 }],
    });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('answers schema-level mistakes with field-named 400s, never 500', async () => {
    const body = expectProblem(
      await create({
        kind: 'air',
        price: true,
        rates: [{ up_to_grams: 1.5, price: [] }],
        countries: 'IN',
        extra: 1,
      }),
      400,
      'validation_error',
    );
    for (const field of [
      'name',
      'kind',
      'price',
      'rates.0.up_to_grams',
      'rates.0.price',
      'countries',
    ]) {
      expect(body.errors, field).toHaveProperty([field]);
    }
    expectProblem(
      await create({ name: 'x'.repeat(101), kind: 'flat', price: 1 }),
      400,
      'validation_error',
      'name',
    );
    const many = Array.from({ length: 51 }, (_, i) => ({ up_to_grams: i + 1, price: 1 }));
    expectProblem(
      await create({ name: 'Many', kind: 'weight', rates: many }),
      400,
      'validation_error',
      'rates',
    );
  });

  it('updates fields and checks the method as it will be', async () => {
    const flat = (await create({ name: 'Courier', kind: 'flat', price: 60 })).json();
    const renamed = await patch(flat.id, {
      name: 'Courier+',
      free_over: 500,
      countries: ['in', 'np'],
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({
      name: 'Courier+',
      price: '60.00',
      free_over: '500.00',
      countries: ['IN', 'NP'],
    });
    expect(Date.parse(renamed.json().updated_at)).toBeGreaterThanOrEqual(
      Date.parse(flat.updated_at),
    );

    // flat → weight needs bands; the flat price goes with the kind.
    expectProblem(await patch(flat.id, { kind: 'weight' }), 400, 'validation_error', 'rates');
    const weight = await patch(flat.id, {
      kind: 'weight',
      rates: [{ up_to_grams: 1000, price: 80 }],
    });
    expect(weight.statusCode, weight.body).toBe(200);
    expect(weight.json()).toMatchObject({
      kind: 'weight',
      price: null,
      rates: [{ up_to_grams: 1000, price: '80.00' }],
    });
    expectProblem(await patch(flat.id, { price: 5 }), 400, 'validation_error', 'price');
    expectProblem(await patch(flat.id, { rates: [] }), 400, 'validation_error', 'rates');
    // weight → flat needs a price; the bands go with the kind.
    expectProblem(await patch(flat.id, { kind: 'flat' }), 400, 'validation_error', 'price');
    const back = (await patch(flat.id, { kind: 'flat', price: '75' })).json();
    expect(back).toMatchObject({ kind: 'flat', price: '75.00', rates: [] });
    expectProblem(await patch(flat.id, { price: null }), 400, 'validation_error', 'price');
    expectProblem(
      await patch(flat.id, { rates: [{ up_to_grams: 1, price: 1 }] }),
      400,
      'validation_error',
      'rates',
    );
    const cleared = (await patch(flat.id, { free_over: null, is_active: false })).json();
    expect(cleared).toMatchObject({ free_over: null, is_active: false, price: '75.00' });
    // Nothing changed by the refused edits.
    expect((await as(admin, 'GET', `${BASE}${flat.id}/`)).json()).toMatchObject({
      kind: 'flat',
      price: '75.00',
    });
    expectProblem(await patch(999_999, { name: 'Ghost' }), 404, 'not_found');
    expectProblem(await patch(flat.id, { name: '' }), 400, 'validation_error', 'name');
  });

  it('deletes a method; an order that used it keeps the name', async () => {
    const made = (
      await create({ name: 'Old courier', kind: 'flat', price: 30, is_active: false })
    ).json();
    const user = await makeUser(ctx);
    // An order that shipped with the method (made directly: checkout's choice is tested with the cart).
    const [order] = await ctx.database.db
      .insert(orders)
      .values({
        orderNumber: `ORD-${randomBytes(6).toString('hex').toUpperCase()}`,
        userId: user.id,
        totalAmount: '130.00',
        subtotal: '100.00',
        shippingTotal: '30.00',
        shippingAddress: '1 Test Street',
        shippingMethodId: made.id,
        shippingMethodName: 'Old courier',
      })
      .returning({ id: orders.id });
    expect((await as(admin, 'DELETE', `${BASE}${made.id}/`)).statusCode).toBe(204);
    expectProblem(await as(admin, 'GET', `${BASE}${made.id}/`), 404, 'not_found');
    expectProblem(await as(admin, 'DELETE', `${BASE}${made.id}/`), 404, 'not_found');
    const [kept] = await ctx.database.db
      .select({
        shipping_method_id: orders.shippingMethodId,
        shipping_method_name: orders.shippingMethodName,
      })
      .from(orders)
      .where(eq(orders.id, order!.id));
    expect(kept).toEqual({ shipping_method_id: null, shipping_method_name: 'Old courier' });
  });
});
