import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, onPostgres, type TestContext, unique } from '../helpers/app.js';
import { bearer, makeCategory, makeProduct, makeUser } from '../helpers/factories.js';
import { call, catalogActors, getPage, productsUrl, sentStatements } from '../helpers/catalog.js';
import type { TestUser } from '../helpers/factories.js';

/** Cached list counts must never be older than the last write, on this instance or another. */
let ctx: TestContext;
let other: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp();
  // On PostgreSQL, a second app on the same database: another instance with its own cache.
  // (A PGlite clone is a database of its own, so there the same app plays both parts.)
  other = onPostgres() ? await buildTestApp() : ctx;
  ({ admin } = await catalogActors(ctx));
});
afterAll(async () => {
  if (other !== ctx) await other?.close();
  await ctx?.close();
});

async function count(app: TestContext, query: Record<string, string>) {
  const res = await call(app, 'GET', productsUrl(query));
  expect(res.statusCode, res.body).toBe(200);
  return res.json().count as number;
}

describe('cached list counts', () => {
  it('follow every kind of change at once', async () => {
    const category = await makeCategory(ctx, admin, { name: unique('Counted ') });
    const q = { category: category.slug };
    const stocked = { ...q, in_stock: 'true' };
    const a = await makeProduct({ ctx, admin, categoryId: category.id }, { stock: 1, price: 10 });
    expect(await count(ctx, q)).toBe(1);
    expect(await count(ctx, q)).toBe(1); // cached now

    // A new product.
    await makeProduct({ ctx, admin, categoryId: category.id }, { stock: 5, price: 20 });
    expect(await count(ctx, q)).toBe(2);
    expect(await count(ctx, stocked)).toBe(2);

    // A product deactivated, then reactivated.
    await call(ctx, 'PATCH', `/api/products/${a.id}/`, admin, { is_active: false });
    expect(await count(ctx, q)).toBe(1);
    await call(ctx, 'PATCH', `/api/products/${a.id}/`, admin, { is_active: true });
    expect(await count(ctx, q)).toBe(2);

    // The last unit sold through checkout: the in-stock count drops; a cancel restores it.
    expect(await count(ctx, stocked)).toBe(2); // cached at the current version
    expect(await count(other, stocked)).toBe(2);
    const buyer = await makeUser(ctx);
    await ctx.app.inject({
      method: 'POST',
      url: '/api/cart/add/',
      headers: bearer(buyer.access),
      payload: { product_id: a.id, quantity: 1 },
    });
    const order = await ctx.app.inject({
      method: 'POST',
      url: '/api/orders/create_order/',
      headers: bearer(buyer.access),
      payload: { shipping_address: '9 Count Street, Chennai, TN, 600001, India' },
    });
    expect(order.statusCode, order.body).toBe(201);
    expect(await count(ctx, stocked)).toBe(1);
    expect(await count(other, stocked)).toBe(1);
    await ctx.app.inject({
      method: 'POST',
      url: `/api/orders/${order.json().id}/cancel/`,
      headers: bearer(buyer.access),
    });
    expect(await count(ctx, stocked)).toBe(2);

    // A write through another instance is seen here at once, and the reverse.
    expect(await count(other, q)).toBe(2);
    await makeProduct({ ctx: other, admin: admin, categoryId: category.id }, { stock: 3, price: 30 });
    expect(await count(ctx, q)).toBe(3);
    const c = await makeProduct({ ctx, admin, categoryId: category.id }, { stock: 3, price: 40 });
    expect(await count(other, q)).toBe(4);
    await call(other, 'DELETE', `/api/products/${c.id}/`, admin);
    expect(await count(ctx, q)).toBe(3);
    expect(await count(ctx, { ...q, min_price: '25' })).toBe(1);
  });

  it('follow a category moving under another', async () => {
    const parent = await makeCategory(ctx, admin, { name: unique('Parent ') });
    const loose = await makeCategory(ctx, admin, { name: unique('Loose ') });
    await makeProduct({ ctx, admin, categoryId: loose.id }, { stock: 2 });
    expect(await count(ctx, { category: parent.slug })).toBe(0);
    await call(other, 'PATCH', `/api/categories/${loose.slug}/`, admin, { parent: parent.id });
    expect(await count(ctx, { category: parent.slug })).toBe(1);
  });
});

describe('cached order of unfiltered lists', () => {
  const firstByName = async (app: TestContext) =>
    (await getPage(app, productsUrl({ ordering: 'name', page_size: 1 }))).results.map((r) => r.id);

  it('follows a rename, a deactivation and a new product made on another instance', async () => {
    const category = await makeCategory(ctx, admin, { name: unique('Ordered ') });
    const p = await makeProduct({ ctx, admin, categoryId: category.id }, { name: unique('Zz ordered ') });
    // Both instances have read (and cached) the order by name.
    expect(await firstByName(ctx)).not.toContain(p.id);
    expect(await firstByName(other)).not.toContain(p.id);

    const renamed = await call(other, 'PATCH', `/api/products/${p.id}/`, admin, { name: unique('!!! first ') });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(await firstByName(ctx)).toContain(p.id);

    await call(other, 'PATCH', `/api/products/${p.id}/`, admin, { is_active: false });
    expect(await firstByName(ctx)).not.toContain(p.id);

    const newest = await makeProduct({ ctx: other, admin: admin, categoryId: category.id }, { name: unique('!!! newest ') });
    expect(await firstByName(ctx)).toContain(newest.id);
    const latest = await getPage(ctx, productsUrl({ page_size: 20 }));
    expect(latest.results.map((r) => r.id)).toContain(newest.id);
  });

  it.skipIf(onPostgres())('gives deep pages equal to the general (filtered) path', async () => {
    const category = await makeCategory(ctx, admin, { name: unique('Deep ') });
    for (let i = 0; i < 7; i++) await makeProduct({ ctx, admin, categoryId: category.id }, { price: 10 + (i % 3) });
    // min_price=0.01 matches every product (prices are positive) but takes the OFFSET path.
    for (const ordering of ['-created_at', 'price', '-name']) {
      const cached = await getPage(ctx, productsUrl({ ordering, page_size: 3, page: 2 }));
      const general = await getPage(ctx, productsUrl({ ordering, page_size: 3, page: 2, min_price: '0.01' }));
      expect(cached.count).toBe(general.count);
      expect(cached.results).toEqual(general.results);
      expect(cached.results.length).toBe(3);
    }
  });
});

/*
 * Search pages (count and the page's ids) are cached per query at a catalog version: a
 * repeated search must still see every change made since, on this instance or another.
 */
async function search(app: TestContext, query: Record<string, string | number>) {
  const page = await getPage(app, productsUrl({ page_size: 2, ...query }));
  return {
    count: page.count,
    ids: page.results.map((p) => p.id),
    stock: page.results.map((p) => p.stock),
  };
}

async function patch(id: number, body: Record<string, unknown>) {
  const res = await call(other, 'PATCH', `/api/products/${id}/`, admin, body);
  expect(res.statusCode, res.body).toBe(200);
}

describe('cached search results', () => {
  it('answer a repeated search with one statement that scans no text', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('sq');
    for (let i = 0; i < 3; i++)
      await makeProduct({ ctx: ctx, admin: admin, categoryId: category.id }, { name: `${t} Headphones ${i}` });
    const queries: Record<string, string>[] = [
      { search: `${t} headphones` },
      { search: `${t} hedphones`, category: category.slug },
    ];
    for (const query of queries) {
      const first = await search(ctx, query);
      let again: Awaited<ReturnType<typeof search>> | undefined;
      const sent = await sentStatements(ctx, async () => (again = await search(ctx, query)));
      expect(sent).toHaveLength(1);
      // The page's rows by primary key: no ILIKE and no similarity over the catalogue.
      expect(sent[0]).not.toMatch(/ilike|<%/i);
      expect(again).toEqual(first);
    }
  });

  it('answer a search in another letter case from the same cache entry', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('sk');
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(await makeProduct({ ctx: ctx, admin: admin, categoryId: category.id }, { name: `${t} Kettle ${i}` }));
    const first = await search(ctx, { search: `${t} kettle` });
    expect(first).toMatchObject({ count: 3, ids: [made[2]!.id, made[1]!.id] });
    for (const cased of [`${t.toUpperCase()} Kettle`, `${t} KETTLE`]) {
      let again: Awaited<ReturnType<typeof search>> | undefined;
      const sent = await sentStatements(ctx, async () => (again = await search(ctx, { search: cased })));
      expect(sent).toHaveLength(1);
      expect(sent[0]).not.toMatch(/ilike|like|<%/i);
      expect(again).toEqual(first);
    }
    // A write moves the catalog version: the other case is read afresh, and finds the new product.
    const newest = await makeProduct({ ctx: ctx, admin: admin, categoryId: category.id }, { name: `${t} KETTLE new` });
    expect(await search(ctx, { search: `${t} Kettle` })).toMatchObject({ count: 4, ids: [newest.id, made[2]!.id] });
  });

  it('follow an edit, an insert and a deactivation made on another instance', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('sc');
    const q = { search: `${t} lamp` };
    const byName = await makeProduct({ ctx: ctx, admin: admin, categoryId: category.id }, { name: `${t} Desk lamp`, stock: 5 });
    const byText = await makeProduct({ ctx: ctx, admin: admin, categoryId: category.id }, {
      name: `${t} Shade`,
      description: 'Fits any lamp',
    });
    // Read twice on both instances: the second read is served from the cache.
    for (const app of [ctx, other, ctx, other]) {
      expect(await search(app, q)).toEqual({
        count: 2,
        ids: [byName.id, byText.id],
        stock: [5, 50],
      });
    }

    // A rename that makes the description match a name match: the ranking changes.
    await patch(byText.id, { name: `${t} Lamp shade` });
    expect((await search(ctx, q)).ids).toEqual([byText.id, byName.id]);

    // A name that no longer matches, and a stock change: the rows are read fresh.
    await patch(byText.id, { name: `${t} Shade`, description: 'Fits any desk' });
    await patch(byName.id, { stock_adjustment: -2 });
    expect(await search(ctx, q)).toEqual({ count: 1, ids: [byName.id], stock: [3] });

    // A new product: counted, and first on the first page (newest name match).
    const newest = await makeProduct({ ctx: other, admin: admin, categoryId: category.id }, { name: `${t} Floor lamp` });
    expect(await search(ctx, q)).toEqual({ count: 2, ids: [newest.id, byName.id], stock: [50, 3] });
    expect(await search(ctx, { ...q, page: 2, page_size: 1 })).toMatchObject({
      count: 2,
      ids: [byName.id],
    });

    // A deactivation: gone from the count and the page.
    await patch(newest.id, { is_active: false });
    expect(await search(ctx, q)).toEqual({ count: 1, ids: [byName.id], stock: [3] });
  });

  it('keep each page, ordering and filter apart', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('sp');
    const made = [];
    for (const price of [30, 10, 20])
      made.push(await makeProduct({ ctx: ctx, admin: admin, categoryId: category.id }, { name: `${t} cup`, price }));
    const [p30, p10, p20] = made.map((p) => p.id);
    for (let round = 0; round < 2; round++) {
      expect(await search(ctx, { search: t })).toMatchObject({ count: 3, ids: [p20, p10] });
      expect(await search(ctx, { search: t, page: 2 })).toMatchObject({ count: 3, ids: [p30] });
      expect(await search(ctx, { search: t, ordering: 'price' })).toMatchObject({
        count: 3,
        ids: [p10, p20],
      });
      expect(await search(ctx, { search: t, min_price: '15' })).toMatchObject({
        count: 2,
        ids: [p20, p30],
      });
      expect(await search(ctx, { search: t, category: category.slug, page_size: 1 })).toMatchObject(
        { count: 3, ids: [p20] },
      );
    }
  });

  it('answer a search that found nothing, and a page past the end, by the catalog version alone', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('se');
    const lamps = [];
    for (let i = 0; i < 2; i++)
      lamps.push(await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} Lamp ${i}` }));
    const nothing = { search: 'zebra', category: category.slug };
    const tooFar = { search: `${t} lamp`, page_size: 1, page: 3 };
    const status = async (query: Record<string, string | number>) =>
      (await call(ctx, 'GET', productsUrl(query))).statusCode;
    expect(await search(ctx, nothing)).toEqual({ count: 0, ids: [], stock: [] });
    expect(await status(tooFar)).toBe(404);
    for (const [query, expected] of [[nothing, 200], [tooFar, 404]] as const) {
      let code = 0;
      const sent = await sentStatements(ctx, async () => (code = await status(query)));
      expect(code).toBe(expected);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/catalog_state/);
      expect(sent[0]).not.toMatch(/like|<%|product/i);
    }
    // A product written on another instance moves the version: both are read afresh.
    const zebra = await makeProduct({ ctx: other, admin, categoryId: category.id }, { name: `${t} Zebra lamp` });
    expect(await search(ctx, nothing)).toMatchObject({ count: 1, ids: [zebra.id] });
    const third = await getPage(ctx, productsUrl(tooFar));
    expect(third.count).toBe(3);
    expect(third.results.map((p) => p.id)).toEqual([lamps[0]!.id]);
  });

  it('leave the typo fallback once a product matches exactly', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('sf');
    const similar = await makeProduct({ ctx: ctx, admin: admin, categoryId: category.id }, { name: `${t} Headphone` });
    const q = { search: 'headphonez', category: category.slug };
    expect(await search(ctx, q)).toMatchObject({ count: 1, ids: [similar.id] });
    expect(await search(other, q)).toMatchObject({ count: 1, ids: [similar.id] });
    const exact = await makeProduct({ ctx: other, admin: admin, categoryId: category.id }, { name: `${t} Headphonez` });
    expect(await search(ctx, q)).toMatchObject({ count: 1, ids: [exact.id] });
  });
});
