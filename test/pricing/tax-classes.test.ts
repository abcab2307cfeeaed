import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products, productVariants } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeAdmin, makeProduct, makeShop, makeUser, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';

/**
 * Staff CRUD of tax classes (API-v2 §2), through HTTP. A database of its own: which class is
 * the default is shop-wide.
 */
let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp({}, { isolated: true });
  admin = await makeAdmin(ctx);
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
const URL = '/api/admin/tax-classes/';
interface TaxClass {
  id: number;
  name: string;
  rate: string;
  is_default: boolean;
}

async function made(body: Record<string, unknown> = {}): Promise<TaxClass> {
  const res = await as(admin, 'POST', URL, { name: unique('GST '), rate: '5', ...body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
const all = async (): Promise<TaxClass[]> => (await as(admin, 'GET', `${URL}?page_size=100`)).json().results;
const defaults = async () => (await all()).filter((c) => c.is_default);

describe('tax classes admin API', () => {
  it('is for staff only', async () => {
    const shopper = await makeUser(ctx);
    const c = await made();
    const routes: [Method, string, object?][] = [
      ['GET', URL],
      ['POST', URL, { name: unique('T '), rate: 5 }],
      ['GET', `${URL}${c.id}/`],
      ['PUT', `${URL}${c.id}/`, { name: unique('T '), rate: 5 }],
      ['PATCH', `${URL}${c.id}/`, { is_default: true }],
      ['DELETE', `${URL}${c.id}/`],
    ];
    for (const [method, url, body] of routes) {
      expectProblem(await as(null, method, url, body), 401, 'not_authenticated');
      expectProblem(await as(shopper, method, url, body), 403, 'permission_denied');
    }
    expect((await as(admin, 'GET', `${URL}${c.id}/`)).json()).toEqual(c);
  });

  it('starts with the default GST 18% and creates classes', async () => {
    const list = (await as(admin, 'GET', URL)).json();
    expect(list.results[0]).toEqual({ id: expect.any(Number), name: 'GST 18%', rate: '18.00', is_default: true });
    const five = await made({ name: 'GST 5%', rate: 5 });
    expect(five).toEqual({ id: expect.any(Number), name: 'GST 5%', rate: '5.00', is_default: false });
    expect((await made({ rate: '0' })).rate).toBe('0.00');
    expect((await made({ rate: '100' })).rate).toBe('100.00');
    expect((await made({ rate: 12.25 })).rate).toBe('12.25');
    expect((await made({ name: '  Trimmed ' + unique('') })).name).toMatch(/^Trimmed \w+$/);
    expect(await defaults()).toHaveLength(1);
  });

  it('names every wrong field at once', async () => {
    const both = expectProblem(await as(admin, 'POST', URL, { name: '', rate: '100.01' }), 400, 'validation_error');
    expect(Object.keys(both.errors!).sort()).toEqual(['name', 'rate']);
    const mixed = expectProblem(await as(admin, 'POST', URL, { name: 'gst 18%', rate: '18.005', is_default: 'yes' }), 400, 'validation_error');
    expect(Object.keys(mixed.errors!).sort()).toEqual(['is_default', 'name', 'rate']);
    const bad = async (body: Record<string, unknown>, field: string) =>
      expectProblem(await as(admin, 'POST', URL, { name: unique('T '), rate: 5, ...body }), 400, 'validation_error', field);
    for (const rate of ['-1', -0.01, '100.01', 101, '18.005', 'abc', 'Infinity', true, null, [18]]) await bad({ rate }, 'rate');
    await bad({ rate: undefined }, 'rate');
    await bad({ name: undefined }, 'name');
    await bad({ name: '   ' }, 'name');
    await bad({ name: 'x'.repeat(101) }, 'name');
    await bad({ name: 18 }, 'name');
    await bad({ is_default: 1 }, 'is_default');
    expect((await all()).some((c) => c.rate === '100.01')).toBe(false);
  });

  it('keeps names unique ignoring case', async () => {
    const taken = expectProblem(await as(admin, 'POST', URL, { name: 'gst 18%', rate: 18 }), 400, 'validation_error', 'name');
    expect(taken.errors!.name![0]).toMatch(/already exists/);
    const c = await made({ name: 'Reduced ' + unique('') });
    expectProblem(await as(admin, 'PATCH', `${URL}${c.id}/`, { name: 'GST 18%' }), 400, 'validation_error', 'name');
    const own = await as(admin, 'PATCH', `${URL}${c.id}/`, { name: c.name.toUpperCase() });
    expect(own.json().name).toBe(c.name.toUpperCase());
    const name = unique('Race ');
    const answers = await Promise.all([name, name.toUpperCase(), name.toLowerCase()].map((n) => as(admin, 'POST', URL, { name: n, rate: 3 })));
    expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 400, 400]);
  });

  it('moves the default in one step, and always has one', async () => {
    const before = (await defaults())[0]!;
    const c = await made();
    const res = await as(admin, 'PATCH', `${URL}${c.id}/`, { is_default: true });
    expect(res.json()).toEqual({ ...c, is_default: true });
    expect(await defaults()).toEqual([{ ...c, is_default: true }]);
    expect((await as(admin, 'GET', `${URL}${before.id}/`)).json().is_default).toBe(false);

    // Un-defaulting the default directly would leave none.
    const refused = expectProblem(await as(admin, 'PATCH', `${URL}${c.id}/`, { is_default: false }), 409, 'conflict');
    expect(refused.detail).toMatch(/another class the default/);
    // false on another class, or true on the default, changes nothing.
    expect((await as(admin, 'PATCH', `${URL}${before.id}/`, { is_default: false })).json().is_default).toBe(false);
    expect((await as(admin, 'PATCH', `${URL}${c.id}/`, { is_default: true })).json().is_default).toBe(true);

    // Created as the default.
    const d = await made({ is_default: true });
    expect(d.is_default).toBe(true);
    expect((await defaults()).map((x) => x.id)).toEqual([d.id]);

    // Several at once: each request runs alone, and one default is left.
    const racers = await Promise.all([made(), made(), made(), made()]);
    const answers = await Promise.all(racers.map((r) => as(admin, 'PATCH', `${URL}${r.id}/`, { is_default: true })));
    for (const a of answers) expect(a.statusCode, a.body).toBe(200);
    expect(await defaults()).toHaveLength(1);

    // PUT keeps is_default when it is left out, and sets name and rate.
    const current = (await defaults())[0]!;
    const put = await as(admin, 'PUT', `${URL}${current.id}/`, { name: current.name, rate: '12' });
    expect(put.json()).toEqual({ ...current, rate: '12.00', is_default: true });
    expectProblem(await as(admin, 'PUT', `${URL}${current.id}/`, { name: current.name }), 400, 'validation_error', 'rate');

    // Restore the seed's default for the other tests.
    await as(admin, 'PATCH', `${URL}${before.id}/`, { is_default: true });
  });

  it('deletes a class (its products fall back to the default) but never the default', async () => {
    const c = await made({ name: unique('Deleted ') });
    const shop = await makeShop(ctx, admin);
    const product = await makeProduct(shop);
    await ctx.database.db.update(products).set({ taxClassId: c.id }).where(eq(products.id, product.id));
    await ctx.database.db.update(productVariants).set({ taxClassId: c.id }).where(eq(productVariants.productId, product.id));

    const res = await as(admin, 'DELETE', `${URL}${c.id}/`);
    expect(res.statusCode, res.body).toBe(204);
    expectProblem(await as(admin, 'GET', `${URL}${c.id}/`), 404, 'not_found');
    expectProblem(await as(admin, 'DELETE', `${URL}${c.id}/`), 404, 'not_found');
    const [row] = await ctx.database.db.select().from(products).where(eq(products.id, product.id));
    expect(row!.taxClassId).toBeNull();
    const variants = await ctx.database.db.select().from(productVariants).where(eq(productVariants.productId, product.id));
    expect(variants.map((v) => v.taxClassId)).toEqual([null]);

    const def = (await defaults())[0]!;
    const refused = expectProblem(await as(admin, 'DELETE', `${URL}${def.id}/`), 409, 'conflict');
    expect(refused.detail).toMatch(/default/);
    expect(await defaults()).toEqual([def]);
    expectProblem(await as(admin, 'PATCH', `${URL}2000000000/`, { rate: 5 }), 404, 'not_found');
    expectProblem(await as(admin, 'DELETE', `${URL}x/`), 400, 'validation_error', 'id');
  });

  it('lists classes paged, by id', async () => {
    const total = (await as(admin, 'GET', URL)).json().count;
    const first = (await as(admin, 'GET', `${URL}?page_size=2`)).json();
    expect(first).toMatchObject({ count: total, previous: null, results: [expect.any(Object), expect.any(Object)] });
    expect(first.next).toContain('page=2');
    expect(first.results[0].id).toBeLessThan(first.results[1].id);
    expectProblem(await as(admin, 'GET', `${URL}?page=1000`), 404, 'not_found');
    expectProblem(await as(admin, 'GET', `${URL}?page_size=101`), 400, 'validation_error', 'page_size');
  });
});
