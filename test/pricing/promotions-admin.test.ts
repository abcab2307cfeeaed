import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carts } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import {
  bearer,
  makeAdmin,
  makeCategory,
  makeProduct,
  makeShop,
  makeUser,
  placeOrder,
  type Shop,
  type TestUser,
} from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

/** Staff CRUD of promotions (API-v2 §2), through HTTP. A database of its own: orders and carts are counted. */
let ctx: TestContext;
let admin: TestUser;
let shop: Shop;
beforeAll(async () => {
  ctx = await buildTestApp({}, { isolated: true });
  admin = await makeAdmin(ctx);
  shop = await makeShop(ctx, admin);
});
afterAll(async () => ctx?.close());

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const as = (user: TestUser | null, method: Method, url: string, payload?: unknown) =>
  ctx.app.inject({
    method,
    url,
    headers: user ? bearer(user.access) : {},
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const URL = '/api/admin/promotions/';
const create = (body: Record<string, unknown>) => as(admin, 'POST', URL, body);
const code = () => unique('P').toUpperCase();

async function made(body: Record<string, unknown>) {
  const res = await create({ code: code(), kind: 'percentage', value: '10', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('promotions admin API', () => {
  it('is for staff only', async () => {
    const shopper = await makeUser(ctx);
    const p = await made({});
    const routes: [Method, string, object?][] = [
      ['GET', URL],
      ['POST', URL, { code: code(), kind: 'free_shipping' }],
      ['GET', `${URL}${p.id}/`],
      ['PUT', `${URL}${p.id}/`, { code: code(), kind: 'free_shipping' }],
      ['PATCH', `${URL}${p.id}/`, { is_active: false }],
      ['DELETE', `${URL}${p.id}/`],
    ];
    for (const [method, url, body] of routes) {
      expectProblem(await as(null, method, url, body), 401, 'not_authenticated');
      expectProblem(await as(shopper, method, url, body), 403, 'permission_denied');
    }
    const after = (await as(admin, 'GET', `${URL}${p.id}/`)).json();
    expect(after).toEqual(p);
  });

  it('creates every kind, with the contract’s shape', async () => {
    const child = await makeCategory(ctx, admin);
    const product = await makeProduct(shop);
    const res = await create({
      code: 'Diwali-10_x' + unique(''),
      description: 'Festival',
      kind: 'percentage',
      value: 12.5,
      min_subtotal: '499',
      starts_at: '2026-10-01T00:00:00+05:30',
      ends_at: '2026-11-01T00:00:00Z',
      usage_limit: 100,
      per_customer_limit: 1,
      applies_to: { categories: [child.id, shop.categoryId, child.id], products: [product.id] },
      is_active: true,
      times_used: 7,
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toEqual({
      id: expect.any(Number),
      code: expect.stringMatching(/^Diwali-10_x/),
      description: 'Festival',
      kind: 'percentage',
      value: '12.50',
      min_subtotal: '499.00',
      starts_at: '2026-09-30T18:30:00.000Z',
      ends_at: '2026-11-01T00:00:00.000Z',
      usage_limit: 100,
      per_customer_limit: 1,
      applies_to: {
        categories: [shop.categoryId, child.id].sort((a, b) => a - b),
        products: [product.id],
      },
      is_active: true,
      times_used: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const fixed = await made({ kind: 'fixed_amount', value: '250' });
    expect(fixed).toMatchObject({
      kind: 'fixed_amount',
      value: '250.00',
      min_subtotal: null,
      applies_to: null,
    });
    expect(fixed).toMatchObject({
      starts_at: null,
      ends_at: null,
      usage_limit: null,
      per_customer_limit: null,
      description: '',
    });
    const free = await made({ kind: 'free_shipping', value: null });
    expect(free).toMatchObject({ kind: 'free_shipping', value: null, is_active: true });
    expect((await made({ kind: 'free_shipping', value: undefined })).value).toBeNull();
    expect((await made({ value: 0 })).value).toBe('0.00');
    expect((await made({ value: '100' })).value).toBe('100.00');
    expect((await made({ value: '99.99' })).value).toBe('99.99');
    expect((await made({ kind: 'fixed_amount', value: '10000000' })).value).toBe('10000000.00');
    expect((await made({ min_subtotal: 0 })).min_subtotal).toBe('0.00');
  });

  it('names every wrong field at once, the schema’s and the rules’', async () => {
    const res = await create({
      code: 'has space!',
      kind: 'percentage',
      value: '100.5',
      min_subtotal: '-1',
      starts_at: '2026-02-01T00:00:00Z',
      ends_at: '2026-01-01T00:00:00Z',
      usage_limit: 0,
      per_customer_limit: 1.5,
      applies_to: { categories: [2_000_000_001, 2_000_000_002], products: [2_000_000_003] },
      is_active: 'yes',
      description: 5,
    });
    const body = expectProblem(res, 400, 'validation_error');
    expect(Object.keys(body.errors!).sort()).toEqual(
      [
        'code',
        'value',
        'min_subtotal',
        'starts_at',
        'ends_at',
        'usage_limit',
        'per_customer_limit',
        'applies_to.categories',
        'applies_to.products',
        'is_active',
        'description',
      ].sort(),
    );
    expect(body.errors!['applies_to.categories']![0]).toContain('2000000001, 2000000002');
    expect(body.errors!['applies_to.products']![0]).toContain('2000000003');
    expect(body.errors!.value![0]).toMatch(/between 0 and 100/);
    // Nothing was written.
    const list = (await as(admin, 'GET', `${URL}?search=has`)).json();
    expect(list.count).toBe(0);
  });

  it('checks each field', async () => {
    const bad = async (body: Record<string, unknown>, field: string) => {
      const res = await create({ code: code(), kind: 'percentage', value: '5', ...body });
      const problem = expectProblem(res, 400, 'validation_error', field);
      return problem.errors![field]![0]!;
    };
    // code: 1–50 letters, digits, - and _; required.
    await bad({ code: '' }, 'code');
    await bad({ code: 'x'.repeat(51) }, 'code');
    await bad({ code: 'DIWALI 10' }, 'code');
    await bad({ code: 'ÄÖ' }, 'code');
    await bad({ code: 10 }, 'code');
    expectProblem(await create({ kind: 'percentage', value: 5 }), 400, 'validation_error', 'code');
    expect((await made({ code: 'x'.repeat(40) + unique('').slice(0, 10) })).code).toHaveLength(50);
    // kind: the enum; required.
    await bad({ kind: 'bogo' }, 'kind');
    expectProblem(await create({ code: code(), value: 5 }), 400, 'validation_error', 'kind');
    // percentage: 0–100, at most 2 decimals, required.
    expect(await bad({ value: '12.345' }, 'value')).toMatch(/2 decimal/);
    await bad({ value: '100.01' }, 'value');
    await bad({ value: -1 }, 'value');
    await bad({ value: 'ten' }, 'value');
    await bad({ value: 'Infinity' }, 'value');
    await bad({ value: true }, 'value');
    await bad({ value: null }, 'value');
    await bad({ value: undefined }, 'value');
    // fixed_amount: money > 0 and ≤ 10000000.00, required.
    await bad({ kind: 'fixed_amount', value: 0 }, 'value');
    await bad({ kind: 'fixed_amount', value: '-5' }, 'value');
    await bad({ kind: 'fixed_amount', value: '0.001' }, 'value');
    await bad({ kind: 'fixed_amount', value: '10000000.01' }, 'value');
    await bad({ kind: 'fixed_amount', value: null }, 'value');
    // free_shipping takes no value.
    expect(await bad({ kind: 'free_shipping', value: '5' }, 'value')).toMatch(/no value/);
    await bad({ kind: 'free_shipping', value: 0 }, 'value');
    // min_subtotal: money ≥ 0 or null.
    await bad({ min_subtotal: '-0.01' }, 'min_subtotal');
    await bad({ min_subtotal: 'abc' }, 'min_subtotal');
    await bad({ min_subtotal: '1.999' }, 'min_subtotal');
    await bad({ min_subtotal: '100000000' }, 'min_subtotal');
    await bad({ min_subtotal: [] }, 'min_subtotal');
    // Timestamps: ISO 8601 with a zone, starts_at before ends_at.
    await bad({ starts_at: 'tomorrow' }, 'starts_at');
    await bad({ starts_at: '2026-01-01T00:00:00' }, 'starts_at');
    await bad({ starts_at: '2026-01-01' }, 'starts_at');
    await bad({ ends_at: '2026-13-01T00:00:00Z' }, 'ends_at');
    await bad({ ends_at: 1767225600 }, 'ends_at');
    await bad({ starts_at: '2026-01-01T00:00:00Z', ends_at: '2026-01-01T00:00:00Z' }, 'ends_at');
    // Limits: integers ≥ 1 or null.
    for (const v of [0, -1, 1.5, '3', 2_147_483_648, true]) {
      await bad({ usage_limit: v }, 'usage_limit');
      await bad({ per_customer_limit: v }, 'per_customer_limit');
    }
    expect(await made({ usage_limit: null, per_customer_limit: null })).toMatchObject({
      usage_limit: null,
    });
    // applies_to: existing ids, at least one, or null.
    await bad({ applies_to: {} }, 'applies_to');
    await bad({ applies_to: { categories: [], products: [] } }, 'applies_to');
    await bad({ applies_to: [] }, 'applies_to');
    await bad({ applies_to: { categories: ['1'] } }, 'applies_to.categories.0');
    await bad({ applies_to: { categories: [0] } }, 'applies_to.categories.0');
    expect(await bad({ applies_to: { products: [2_000_000_000] } }, 'applies_to.products')).toMatch(
      /2000000000/,
    );
    expect((await made({ applies_to: null })).applies_to).toBeNull();
    const cat = (await made({ applies_to: { categories: [shop.categoryId] } })).applies_to;
    expect(cat).toEqual({ categories: [shop.categoryId], products: [] });
    // description: text up to 2000 characters.
    await bad({ description: 'x'.repeat(2001) }, 'description');
    // A body that is not an object.
    expectProblem(await as(admin, 'POST', URL, [1, 2]), 400, 'validation_error');
  });

  it('keeps codes unique ignoring case, also when created at once', async () => {
    const first = await made({ code: 'Summer' + unique('') });
    const again = await create({ code: first.code.toUpperCase(), kind: 'free_shipping' });
    expect(expectProblem(again, 400, 'validation_error', 'code').errors!.code![0]).toMatch(
      /already exists/,
    );
    const other = await made({});
    expectProblem(
      await as(admin, 'PATCH', `${URL}${other.id}/`, { code: first.code.toLowerCase() }),
      400,
      'validation_error',
      'code',
    );
    // Its own code in another case is fine.
    const renamed = await as(admin, 'PATCH', `${URL}${first.id}/`, {
      code: first.code.toLowerCase(),
    });
    expect(renamed.json().code).toBe(first.code.toLowerCase());

    const raced = 'RACE' + unique('');
    const answers = await Promise.all(
      [raced, raced.toLowerCase(), raced, raced.toLowerCase(), raced].map((c) =>
        create({ code: c, kind: 'free_shipping' }),
      ),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 400, 400, 400, 400]);
    for (const r of answers.filter((r) => r.statusCode === 400))
      expectProblem(r, 400, 'validation_error', 'code');
  });

  it('shows times_used, which no body can write, and refuses to delete a used promotion', async () => {
    const p = await made({ kind: 'fixed_amount', value: '20', usage_limit: 5 });
    const product = await makeProduct(shop, { price: '100.00' });
    const customer = await makeUser(ctx);
    // Applying the code belongs to the cart's routes; here the cart holds it as they leave it.
    const client = await as(customer, 'POST', '/api/cart/add/', {
      product_id: product.id,
      quantity: 1,
    });
    expect(client.statusCode, client.body).toBe(200);
    await ctx.database.db
      .update(carts)
      .set({ promotionId: p.id })
      .where(eq(carts.userId, customer.id));
    const order = await placeOrder(ctx, customer, []);
    expect(order).toMatchObject({ promotion_code: p.code, discount_total: '20.00' });

    const read = (await as(admin, 'GET', `${URL}${p.id}/`)).json();
    expect(read.times_used).toBe(1);
    const listed = (await as(admin, 'GET', `${URL}?search=${p.code.toLowerCase()}`)).json();
    expect(listed.results).toEqual([read]);

    const patched = await as(admin, 'PATCH', `${URL}${p.id}/`, {
      times_used: 0,
      description: 'Used once',
    });
    expect(patched.json()).toMatchObject({ times_used: 1, description: 'Used once' });
    const put = await as(admin, 'PUT', `${URL}${p.id}/`, {
      code: p.code,
      kind: 'fixed_amount',
      value: 20,
      times_used: 99,
    });
    expect(put.json()).toMatchObject({ times_used: 1, usage_limit: null, description: '' });

    const refused = expectProblem(await as(admin, 'DELETE', `${URL}${p.id}/`), 409, 'conflict');
    expect(refused.detail).toMatch(/is_active to false/);
    const off = await as(admin, 'PATCH', `${URL}${p.id}/`, { is_active: false });
    expect(off.json()).toMatchObject({ is_active: false, times_used: 1 });
    expect((await as(admin, 'GET', `${URL}${p.id}/`)).statusCode).toBe(200);
  });

  it('deletes an unused promotion, taking it off carts', async () => {
    const p = await made({});
    const product = await makeProduct(shop);
    const customer = await makeUser(ctx);
    await as(customer, 'POST', '/api/cart/add/', { product_id: product.id, quantity: 1 });
    await ctx.database.db
      .update(carts)
      .set({ promotionId: p.id })
      .where(eq(carts.userId, customer.id));

    const res = await as(admin, 'DELETE', `${URL}${p.id}/`);
    expect(res.statusCode, res.body).toBe(204);
    expectProblem(await as(admin, 'GET', `${URL}${p.id}/`), 404, 'not_found');
    expectProblem(await as(admin, 'DELETE', `${URL}${p.id}/`), 404, 'not_found');
    const [cart] = await ctx.database.db.select().from(carts).where(eq(carts.userId, customer.id));
    expect(cart!.promotionId).toBeNull();
    // The code is free again.
    expect((await create({ code: p.code, kind: 'free_shipping' })).statusCode).toBe(201);
  });

  it('changes promotions by PATCH against what they are, and replaces them by PUT', async () => {
    const p = await made({
      value: '15',
      starts_at: '2026-01-01T00:00:00Z',
      ends_at: '2026-02-01T00:00:00Z',
      min_subtotal: '100',
    });
    const url = `${URL}${p.id}/`;
    // A window checked with the stored half.
    expectProblem(
      await as(admin, 'PATCH', url, { ends_at: '2025-12-31T00:00:00Z' }),
      400,
      'validation_error',
      'ends_at',
    );
    expectProblem(
      await as(admin, 'PATCH', url, { starts_at: '2026-03-01T00:00:00Z' }),
      400,
      'validation_error',
      'starts_at',
    );
    expect((await as(admin, 'PATCH', url, { ends_at: null })).json().ends_at).toBeNull();
    // A value checked against the stored kind.
    expectProblem(await as(admin, 'PATCH', url, { value: 101 }), 400, 'validation_error', 'value');
    expect((await as(admin, 'PATCH', url, { value: '20' })).json().value).toBe('20.00');
    // A new kind needs its value again; free_shipping clears it.
    expectProblem(
      await as(admin, 'PATCH', url, { kind: 'fixed_amount' }),
      400,
      'validation_error',
      'value',
    );
    expect(
      (await as(admin, 'PATCH', url, { kind: 'fixed_amount', value: 75 })).json(),
    ).toMatchObject({
      kind: 'fixed_amount',
      value: '75.00',
    });
    expectProblem(await as(admin, 'PATCH', url, { value: 0 }), 400, 'validation_error', 'value');
    expect((await as(admin, 'PATCH', url, { kind: 'free_shipping' })).json()).toMatchObject({
      kind: 'free_shipping',
      value: null,
    });
    expectProblem(await as(admin, 'PATCH', url, { value: 5 }), 400, 'validation_error', 'value');
    // Several wrong fields in a PATCH, at once.
    const many = expectProblem(
      await as(admin, 'PATCH', url, {
        code: 'a b',
        usage_limit: 0,
        applies_to: { products: [2_000_000_000] },
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(many.errors!).sort()).toEqual([
      'applies_to.products',
      'code',
      'usage_limit',
    ]);
    // Unchanged by the refused requests.
    const now = (await as(admin, 'GET', url)).json();
    expect(now).toMatchObject({ kind: 'free_shipping', min_subtotal: '100.00', usage_limit: null });

    // PUT: what it leaves out takes its default.
    const put = await as(admin, 'PUT', url, { code: p.code, kind: 'percentage', value: '5' });
    expect(put.json()).toMatchObject({
      code: p.code,
      kind: 'percentage',
      value: '5.00',
      min_subtotal: null,
      starts_at: null,
      ends_at: null,
      is_active: true,
      applies_to: null,
    });
    expectProblem(
      await as(admin, 'PUT', url, { kind: 'percentage', value: 5 }),
      400,
      'validation_error',
      'code',
    );
    // PATCH leaves what it is not given as it is.
    const off = await made({ is_active: false, description: 'Kept', usage_limit: 3 });
    const touched = (await as(admin, 'PATCH', `${URL}${off.id}/`, { value: 7 })).json();
    expect(touched).toEqual({ ...off, value: '7.00', updated_at: expect.any(String) });
    expectProblem(
      await as(admin, 'PATCH', `${URL}2000000000/`, { is_active: false }),
      404,
      'not_found',
    );
    expectProblem(
      await as(admin, 'PATCH', `${URL}abc/`, { is_active: false }),
      400,
      'validation_error',
      'id',
    );
    expectProblem(await as(admin, 'GET', `${URL}0/`), 400, 'validation_error', 'id');
  });

  it('lists promotions paged, newest first, by code and by is_active', async () => {
    const tag = unique('L').toUpperCase();
    const a = await made({ code: `${tag}-A` });
    const b = await made({ code: `${tag}-b`, is_active: false });
    const c = await made({ code: `${tag}-C` });
    const all = (await as(admin, 'GET', `${URL}?search=${tag.toLowerCase()}`)).json();
    expect(all.count).toBe(3);
    expect(all.results.map((r: { id: number }) => r.id)).toEqual([c.id, b.id, a.id]);
    const inactive = (await as(admin, 'GET', `${URL}?search=${tag}&is_active=false`)).json();
    expect(inactive.results.map((r: { id: number }) => r.id)).toEqual([b.id]);
    const page2 = (await as(admin, 'GET', `${URL}?search=${tag}&page_size=2&page=2`)).json();
    expect(page2).toMatchObject({
      count: 3,
      next: null,
      results: [expect.objectContaining({ id: a.id })],
    });
    expect(page2.previous).toContain('page_size=2');
    expect((await as(admin, 'GET', `${URL}?search=${tag}%25`)).json().count).toBe(0);
    expectProblem(
      await as(admin, 'GET', `${URL}?search=${tag}&page=3&page_size=2`),
      404,
      'not_found',
    );
    expectProblem(
      await as(admin, 'GET', `${URL}?is_active=maybe`),
      400,
      'validation_error',
      'is_active',
    );
    expectProblem(await as(admin, 'GET', `${URL}?page=0`), 400, 'validation_error', 'page');
  });
});
