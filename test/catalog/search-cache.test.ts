import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, onPostgres, type TestContext, unique } from '../helpers/app.js';
import {
  call,
  catalogActors,
  getPage,
  makeCategory,
  makeProduct,
  productsUrl,
} from '../helpers/catalog.js';
import type { TestUser } from '../helpers/factories.js';

/**
 * Search results (count and the page's ids) are cached per query at a catalog version: a
 * repeated search must still see every change made since, on this instance or another.
 */
let ctx: TestContext;
let other: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp();
  // On PostgreSQL, a second app on the same database: another instance with its own cache.
  other = onPostgres() ? await buildTestApp() : ctx;
  ({ admin } = await catalogActors(ctx));
});
afterAll(async () => {
  if (other !== ctx) await other?.close();
  await ctx?.close();
});

async function search(app: TestContext, query: Record<string, string | number>) {
  const page = await getPage(app, productsUrl({ page_size: 2, ...query }));
  return {
    count: page.count,
    ids: page.results.map((p) => p.id),
    stock: page.results.map((p) => p.stock),
  };
}

/** The SQL text of each statement the app sends while `fn` runs (pg and PGlite alike). */
async function statements(app: TestContext, fn: () => Promise<unknown>): Promise<string[]> {
  const client = (
    app.database.db as unknown as { $client: { query: (...args: unknown[]) => unknown } }
  ).$client;
  const spy = vi.spyOn(client, 'query');
  try {
    await fn();
    return spy.mock.calls.map(([q]) => (typeof q === 'string' ? q : (q as { text: string }).text));
  } finally {
    spy.mockRestore();
  }
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
      await makeProduct(ctx, admin, category.id, { name: `${t} Headphones ${i}` });
    const queries: Record<string, string>[] = [
      { search: `${t} headphones` },
      { search: `${t} hedphones`, category: category.slug },
    ];
    for (const query of queries) {
      const first = await search(ctx, query);
      let again: Awaited<ReturnType<typeof search>> | undefined;
      const sent = await statements(ctx, async () => (again = await search(ctx, query)));
      expect(sent).toHaveLength(1);
      // The page's rows by primary key: no ILIKE and no similarity over the catalogue.
      expect(sent[0]).not.toMatch(/ilike|<%/i);
      expect(again).toEqual(first);
    }
  });

  it('follow an edit, an insert and a deactivation made on another instance', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('sc');
    const q = { search: `${t} lamp` };
    const byName = await makeProduct(ctx, admin, category.id, { name: `${t} Desk lamp`, stock: 5 });
    const byText = await makeProduct(ctx, admin, category.id, {
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
    const newest = await makeProduct(other, admin, category.id, { name: `${t} Floor lamp` });
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
      made.push(await makeProduct(ctx, admin, category.id, { name: `${t} cup`, price }));
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

  it('leave the typo fallback once a product matches exactly', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('sf');
    const similar = await makeProduct(ctx, admin, category.id, { name: `${t} Headphone` });
    const q = { search: 'headphonez', category: category.slug };
    expect(await search(ctx, q)).toMatchObject({ count: 1, ids: [similar.id] });
    expect(await search(other, q)).toMatchObject({ count: 1, ids: [similar.id] });
    const exact = await makeProduct(other, admin, category.id, { name: `${t} Headphonez` });
    expect(await search(ctx, q)).toMatchObject({ count: 1, ids: [exact.id] });
  });
});
