import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import {
  call,
  catalogActors,
  type Category,
  countQueries,
  type ProductDetail,
  productsUrl,
} from '../helpers/catalog.js';
import type { TestUser } from '../helpers/factories.js';
import { makeCategory, makeProduct } from '../helpers/factories.js';

let ctx: TestContext;
let admin: TestUser;
let root: Category;
let token: string;
let made: ProductDetail[];
beforeAll(async () => {
  ctx = await buildTestApp();
  ({ admin } = await catalogActors(ctx));
  token = unique('n');
  root = await makeCategory(ctx, admin, { name: `${token} Root` });
  const child = await makeCategory(ctx, admin, { name: `${token} Child`, parent: root.id });
  const grandchild = await makeCategory(ctx, admin, {
    name: `${token} Grandchild`,
    parent: child.id,
  });
  made = [];
  for (const [i, category] of [root, child, grandchild, root, child, grandchild].entries()) {
    made.push(
      await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${token} Widget ${i}`, price: 10 + i }),
    );
  }
});
afterAll(async () => ctx?.close());

/** The number of SQL statements one GET sends, after checking that it answered 200. */
async function queriesFor(url: string, expectedResults?: number): Promise<number> {
  let status = 0;
  let results = -1;
  const count = await countQueries(ctx, async () => {
    const res = await call(ctx, 'GET', url);
    status = res.statusCode;
    results = Array.isArray(res.json()) ? res.json().length : res.json().results?.length;
  });
  expect(status, url).toBe(200);
  if (expectedResults !== undefined) expect(results, url).toBe(expectedResults);
  return count;
}

describe('query count', () => {
  it('counts the statements the app sends', async () => {
    // The counter itself works: a write runs several statements, an anonymous read at least one.
    expect(await countQueries(ctx, () => makeProduct({ ctx, admin, categoryId: root.id }))).toBeGreaterThan(1);
    expect(await queriesFor('/health/ready')).toBeGreaterThanOrEqual(1);
    expect(await countQueries(ctx, async () => {})).toBe(0);
  });

  const lists: [string, Record<string, string | number>][] = [
    ['a plain list', {}],
    [
      'a list filtered by category (with descendants), price and stock',
      { category: '<root>', min_price: '11', in_stock: 'true', ordering: 'price' },
    ],
    ['a search', { search: '<token> widget' }],
    [
      'a search within a category, ordered',
      { search: '<token> widget', category: '<root>', ordering: '-name' },
    ],
    ['a typo-tolerant search', { search: '<token> widgt', category: '<root>' }],
  ];
  for (const [label, query] of lists) {
    it(`runs at most two queries for ${label}, whatever the page size`, async () => {
      const q = Object.fromEntries(
        Object.entries(query).map(([k, v]) => [
          k,
          String(v).replace('<root>', root.slug).replace('<token>', token),
        ]),
      );
      const small = await queriesFor(productsUrl({ ...q, page_size: 1 }), 1);
      const large = await queriesFor(productsUrl({ ...q, page_size: 100 }));
      expect(small).toBeGreaterThanOrEqual(1);
      expect(small).toBeLessThanOrEqual(2);
      // The count is cached per catalog version: the same filter at another page size
      // reads only its rows (which carry the version that proves the count current).
      expect(large).toBe(1);
    });
  }

  it('reads a product detail in one query, by id and by slug', async () => {
    expect(await queriesFor(`/api/products/${made[0]!.id}/`)).toBe(1);
    expect(await queriesFor(`/api/products/${made[0]!.slug}/`)).toBe(1);
  });

  it('builds the category tree in one query', async () => {
    expect(await queriesFor('/api/categories/?page_size=100')).toBe(1);
    expect(await queriesFor('/api/categories/all/')).toBe(1);
    expect(await queriesFor(`/api/categories/${root.slug}/`)).toBe(1);
  });

  it('reads featured and low-stock lists in one query each (plus the token check)', async () => {
    expect(await queriesFor('/api/products/featured/')).toBe(1);
    let status = 0;
    const lowStock = await countQueries(ctx, async () => {
      status = (await call(ctx, 'GET', '/api/products/low_stock/', admin)).statusCode;
    });
    expect(status).toBe(200);
    // One query finds the admin behind the token, one reads the list.
    expect(lowStock).toBe(2);
  });
});
