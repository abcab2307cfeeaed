import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import {
  call,
  catalogActors,
  type Category,
  getPage,
  type ProductDetail,
  productsUrl,
} from '../helpers/catalog.js';
import type { TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { makeCategory, makeProduct } from '../helpers/factories.js';

let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp();
  ({ admin } = await catalogActors(ctx));
});
afterAll(async () => ctx?.close());

/** The ids of a category's products (page 1, up to 100) for the given query. */
async function ids(category: Category, query: Record<string, string | number | boolean> = {}) {
  const page = await getPage(
    ctx,
    productsUrl({ category: category.slug, page_size: 100, ...query }),
  );
  return page.results.map((p) => p.id);
}

const idsOf = (...list: ProductDetail[]) => list.map((p) => p.id);

describe('list items', () => {
  it('are active products in the list shape: category id and name, no description', async () => {
    const category = await makeCategory(ctx, admin);
    const product = await makeProduct({ ctx, admin, categoryId: category.id }, {
      description: 'not in the list',
      price: '19.9',
      stock: 4,
      image_url: 'https://img.example.com/1.png',
    });
    const page = await getPage(ctx, productsUrl({ category: category.slug }));
    expect(page).toEqual({
      count: 1,
      next: null,
      previous: null,
      results: [
        {
          id: product.id,
          name: product.name,
          slug: product.slug,
          price: '19.90',
          price_min: '19.90',
          price_max: '19.90',
          stock: 4,
          in_stock: true,
          image: 'https://img.example.com/1.png',
          image_url: 'https://img.example.com/1.png',
          is_active: true,
          is_featured: false,
          category: category.id,
          category_name: category.name,
          created_at: product.created_at,
        },
      ],
    });
  });
});

describe('pagination', () => {
  it('pages with absolute next/previous links that keep the other parameters', async () => {
    const category = await makeCategory(ctx, admin);
    const [a, b, c] = [
      await makeProduct({ ctx, admin, categoryId: category.id }, { price: 1 }),
      await makeProduct({ ctx, admin, categoryId: category.id }, { price: 2 }),
      await makeProduct({ ctx, admin, categoryId: category.id }, { price: 3 }),
    ];
    const query = { category: category.slug, ordering: 'price', page_size: 1 };
    const first = await getPage(ctx, productsUrl(query));
    expect(first.count).toBe(3);
    expect(first.results.map((p) => p.id)).toEqual([a!.id]);
    expect(first.previous).toBeNull();

    const next = new URL(first.next!);
    // Without PUBLIC_URL or a trusted proxy, links go to the server's own address (PORT 3000).
    expect(first.next).toMatch(/^http:\/\/localhost:3000\/api\/products\/\?/);
    expect(Object.fromEntries(next.searchParams)).toEqual({
      category: category.slug,
      ordering: 'price',
      page_size: '1',
      page: '2',
    });

    const second = await getPage(ctx, next.pathname + next.search);
    expect(second.count).toBe(3);
    expect(second.results.map((p) => p.id)).toEqual([b!.id]);
    const previous = new URL(second.previous!);
    expect(previous.pathname).toBe('/api/products/');
    expect(Object.fromEntries(previous.searchParams)).toEqual({
      category: category.slug,
      ordering: 'price',
      page_size: '1',
    });
    expect(new URL(second.next!).searchParams.get('page')).toBe('3');

    const last = await getPage(ctx, productsUrl({ ...query, page: 3 }));
    expect(last.results.map((p) => p.id)).toEqual([c!.id]);
    expect(last.next).toBeNull();
    expect(new URL(last.previous!).searchParams.get('page')).toBe('2');

    const past = await call(ctx, 'GET', productsUrl({ ...query, page: 4 }));
    expectProblem(past, 404, 'not_found');
    const farPast = await call(ctx, 'GET', productsUrl({ ...query, page: 1000 }));
    expectProblem(farPast, 404, 'not_found');

    const all = await getPage(ctx, productsUrl({ ...query, page_size: 3 }));
    expect(all).toMatchObject({ count: 3, next: null, previous: null });
  });

  it('answers an empty first page for nothing, and 404 for a page past it', async () => {
    const category = await makeCategory(ctx, admin);
    expect(await getPage(ctx, productsUrl({ category: category.slug }))).toEqual({
      count: 0,
      next: null,
      previous: null,
      results: [],
    });
    expectProblem(
      await call(ctx, 'GET', productsUrl({ category: category.slug, page: 2 })),
      404,
      'not_found',
    );
  });

  it('refuses bad page numbers and sizes with 400', async () => {
    const cases: [string, string][] = [
      ['page=0', 'page'],
      ['page=-1', 'page'],
      ['page=abc', 'page'],
      ['page=1.5', 'page'],
      ['page_size=0', 'page_size'],
      ['page_size=101', 'page_size'],
      ['page_size=abc', 'page_size'],
    ];
    for (const [query, field] of cases) {
      expectProblem(
        await call(ctx, 'GET', `/api/products/?${query}`),
        400,
        'validation_error',
        field,
      );
    }
    const max = await call(ctx, 'GET', '/api/products/?page_size=100');
    expect(max.statusCode).toBe(200);
    expect(max.json().results.length).toBeLessThanOrEqual(100);
  });

  it('pages 50 products by default', async () => {
    const category = await makeCategory(ctx, admin);
    for (let i = 0; i < 51; i++) await makeProduct({ ctx, admin, categoryId: category.id });
    const first = await getPage(ctx, productsUrl({ category: category.slug }));
    expect(first.count).toBe(51);
    expect(first.results).toHaveLength(50);
    expect(new URL(first.next!).searchParams.get('page')).toBe('2');
    expect(new URL(first.next!).searchParams.has('page_size')).toBe(false);
    const second = await getPage(ctx, productsUrl({ category: category.slug, page: 2 }));
    expect(second.results).toHaveLength(1);
    expect(second.next).toBeNull();
    const seen = new Set([...first.results, ...second.results].map((p) => p.id));
    expect(seen.size).toBe(51);
  });
});

describe('ordering', () => {
  it('orders by each whitelisted field, ties broken by id', async () => {
    const category = await makeCategory(ctx, admin);
    const token = unique('o');
    // Names share one case and differ in their last word, so every collation sorts them alike.
    const p1 = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${token} charlie`,
      price: '30.00',
    });
    const p2 = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${token} alpha`,
      price: '10.00',
    });
    const p3 = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${token} bravo`,
      price: '20.00',
    });
    const p4 = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${token} bravo`,
      price: '20.00',
    });

    expect(await ids(category)).toEqual(idsOf(p4, p3, p2, p1));
    expect(await ids(category, { ordering: '-created_at' })).toEqual(idsOf(p4, p3, p2, p1));
    expect(await ids(category, { ordering: 'created_at' })).toEqual(idsOf(p1, p2, p3, p4));
    expect(await ids(category, { ordering: 'price' })).toEqual(idsOf(p2, p3, p4, p1));
    expect(await ids(category, { ordering: '-price' })).toEqual(idsOf(p1, p4, p3, p2));
    expect(await ids(category, { ordering: 'name' })).toEqual(idsOf(p2, p3, p4, p1));
    expect(await ids(category, { ordering: '-name' })).toEqual(idsOf(p1, p4, p3, p2));

    // Equal timestamps, against the order of the ids: the timestamp decides, then the id.
    const earlier = new Date(Date.now() - 60_000);
    const later = new Date(Date.now() - 30_000);
    await ctx.database.db
      .update(products)
      .set({ createdAt: earlier })
      .where(inArray(products.id, [p3.id, p4.id]));
    await ctx.database.db
      .update(products)
      .set({ createdAt: later })
      .where(inArray(products.id, [p1.id, p2.id]));
    expect(await ids(category, { ordering: 'created_at' })).toEqual(idsOf(p3, p4, p1, p2));
    expect(await ids(category, { ordering: '-created_at' })).toEqual(idsOf(p2, p1, p4, p3));
    expect(await ids(category)).toEqual(idsOf(p2, p1, p4, p3));
  });

  it('keeps a stable order across pages', async () => {
    const category = await makeCategory(ctx, admin);
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(await makeProduct({ ctx, admin, categoryId: category.id }, { price: '5.00' }));
    const walked: number[] = [];
    for (let page = 1; page <= 5; page++) {
      const body = await getPage(
        ctx,
        productsUrl({ category: category.slug, ordering: 'price', page_size: 1, page }),
      );
      walked.push(...body.results.map((p) => p.id));
    }
    expect(walked).toEqual(made.map((p) => p.id));
  });

  it('refuses any other ordering with 400', async () => {
    for (const ordering of [
      'stock',
      'id',
      '-id',
      'PRICE',
      'price,name',
      ' price',
      '-',
      'name; drop table products',
    ]) {
      const res = await call(ctx, 'GET', `/api/products/?ordering=${encodeURIComponent(ordering)}`);
      expectProblem(res, 400, 'validation_error', 'ordering');
    }
  });
});

describe('filters', () => {
  it('filters by price, both bounds inclusive', async () => {
    const category = await makeCategory(ctx, admin);
    const prices = ['10.00', '19.99', '20.00', '30.00', '30.01'];
    const made: ProductDetail[] = [];
    for (const price of prices) made.push(await makeProduct({ ctx, admin, categoryId: category.id }, { price }));
    const [p10, p1999, p20, p30, p3001] = made as [
      ProductDetail,
      ProductDetail,
      ProductDetail,
      ProductDetail,
      ProductDetail,
    ];
    const q = (query: Record<string, string>) => ids(category, { ordering: 'price', ...query });

    expect(await q({ min_price: '19.99', max_price: '30' })).toEqual(idsOf(p1999, p20, p30));
    expect(await q({ min_price: '20' })).toEqual(idsOf(p20, p30, p3001));
    expect(await q({ max_price: '19.99' })).toEqual(idsOf(p10, p1999));
    expect(await q({ min_price: '30.01', max_price: '30.01' })).toEqual(idsOf(p3001));
    expect(await q({ min_price: '20.5', max_price: '20.4' })).toEqual([]);
    expect(await q({ min_price: '0', max_price: '1000000' })).toEqual(
      idsOf(p10, p1999, p20, p30, p3001),
    );
    expect(await q({ min_price: '', max_price: '' })).toHaveLength(5);
  });

  it('refuses bad price bounds with 400 naming the parameter', async () => {
    const cases: [Record<string, string>, string[]][] = [
      [{ min_price: 'abc' }, ['min_price']],
      [{ max_price: 'abc' }, ['max_price']],
      [{ min_price: '1.234' }, ['min_price']],
      [{ min_price: '1e3' }, ['min_price']],
      [{ max_price: '12345678901' }, ['max_price']],
      [{ min_price: 'x', max_price: 'y' }, ['max_price', 'min_price']],
      [{ min_price: '1'.repeat(21) }, ['min_price']],
    ];
    for (const [query, fields] of cases) {
      const res = await call(ctx, 'GET', productsUrl(query));
      const problem = expectProblem(res, 400, 'validation_error', fields[0]);
      expect(Object.keys(problem.errors!).sort()).toEqual(fields);
    }
  });

  it('filters by stock with in_stock=true|false', async () => {
    const category = await makeCategory(ctx, admin);
    const none = await makeProduct({ ctx, admin, categoryId: category.id }, { stock: 0 });
    const one = await makeProduct({ ctx, admin, categoryId: category.id }, { stock: 1 });
    const many = await makeProduct({ ctx, admin, categoryId: category.id }, { stock: 500 });
    expect(await ids(category, { in_stock: true, ordering: 'created_at' })).toEqual(
      idsOf(one, many),
    );
    expect(await ids(category, { in_stock: false })).toEqual(idsOf(none));
    expect(await ids(category, { ordering: 'created_at' })).toEqual(idsOf(none, one, many));
    for (const value of ['maybe', '2', 'yes!']) {
      expectProblem(
        await call(ctx, 'GET', `/api/products/?in_stock=${value}`),
        400,
        'validation_error',
        'in_stock',
      );
    }
  });

  it('filters by a category and all of its descendants', async () => {
    const token = unique('f');
    const root = await makeCategory(ctx, admin, { name: `${token} Electronics` });
    const child = await makeCategory(ctx, admin, { name: `${token} Audio`, parent: root.id });
    const grandchild = await makeCategory(ctx, admin, {
      name: `${token} Headphones`,
      parent: child.id,
    });
    const sibling = await makeCategory(ctx, admin, { name: `${token} Books` });
    const inRoot = await makeProduct({ ctx, admin, categoryId: root.id });
    const inChild = await makeProduct({ ctx, admin, categoryId: child.id });
    const inGrandchild = await makeProduct({ ctx, admin, categoryId: grandchild.id });
    const inSibling = await makeProduct({ ctx, admin, categoryId: sibling.id });

    const order = { ordering: 'created_at' };
    expect(await ids(root, order)).toEqual(idsOf(inRoot, inChild, inGrandchild));
    expect(await ids(child, order)).toEqual(idsOf(inChild, inGrandchild));
    expect(await ids(grandchild, order)).toEqual(idsOf(inGrandchild));
    expect(await ids(sibling, order)).toEqual(idsOf(inSibling));
    const page = await getPage(ctx, productsUrl({ category: root.slug }));
    expect(page.count).toBe(3);
    const fromGrandchild = page.results.find((p) => p.id === inGrandchild.id)!;
    expect(fromGrandchild).toMatchObject({
      category: grandchild.id,
      category_name: grandchild.name,
    });

    // Moving the grandchild's branch elsewhere moves its products out of the root's list.
    await call(ctx, 'PATCH', `/api/categories/${child.slug}/`, admin, { parent: sibling.id });
    expect(await ids(root, order)).toEqual(idsOf(inRoot));
    expect(await ids(sibling, order)).toEqual(idsOf(inChild, inGrandchild, inSibling));
  });

  it('answers an empty page for an unknown category', async () => {
    const page = await getPage(ctx, productsUrl({ category: unique('no-such-category-') }));
    expect(page).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('combines filters', async () => {
    const category = await makeCategory(ctx, admin);
    const token = unique('k');
    const cheapOut = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${token} a`,
      price: 5,
      stock: 0,
    });
    const cheapIn = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${token} b`,
      price: 6,
      stock: 2,
    });
    const dearIn = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${token} c`,
      price: 60,
      stock: 2,
    });
    const inactive = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${token} d`,
      price: 7,
      stock: 2,
      is_active: false,
    });
    expect(await ids(category, { in_stock: true, max_price: '10', ordering: '-price' })).toEqual(
      idsOf(cheapIn),
    );
    expect(await ids(category, { in_stock: true, ordering: '-price' })).toEqual(
      idsOf(dearIn, cheapIn),
    );
    expect(await ids(category, { max_price: '10', ordering: 'name' })).toEqual(
      idsOf(cheapOut, cheapIn),
    );
    expect(await ids(category, { min_price: '7', max_price: '7' })).toEqual([]);
    expect(await ids(category)).not.toContain(inactive.id);
  });
});
