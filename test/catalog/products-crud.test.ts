import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { products } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import {
  call,
  catalogActors,
  type Category,
  getPage,
  orderProduct,
  type ProductDetail,
  type ProductItem,
  productsUrl,
} from '../helpers/catalog.js';
import type { TestUser } from '../helpers/factories.js';
import type { Schemas } from '../helpers/client.js';
import { expectProblem } from '../helpers/problems.js';
import { makeCategory, makeProduct } from '../helpers/factories.js';

let ctx: TestContext;
let admin: TestUser;
let user: TestUser;
let category: Category;
beforeAll(async () => {
  ctx = await buildTestApp();
  ({ admin, user } = await catalogActors(ctx));
  category = await makeCategory(ctx, admin);
});
afterAll(async () => ctx?.close());

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const url = (ref: number | string) => `/api/products/${ref}/`;
const post = (payload: Record<string, unknown>, as: TestUser | null = admin) =>
  call(ctx, 'POST', '/api/products/', as, payload);
const summary = ({ children: _c, ...rest }: Category) => rest;

/** Products of a category as the public list shows them. */
async function listed(slug: string): Promise<ProductItem[]> {
  return (await getPage(ctx, productsUrl({ category: slug, page_size: 100 }))).results;
}

describe('creating a product', () => {
  it('answers 201 with the detail: id, slug, nested category, description, updated_at', async () => {
    const sub = await makeCategory(ctx, admin, { parent: category.id, description: 'sub' });
    const token = unique('p');
    const res = await post({
      name: `${token} Noise Cancelling Headphones`,
      description: 'Over-ear, 30 h battery',
      price: 1499.5,
      stock: 7,
      image_url: 'https://cdn.example.com/p.png',
      is_featured: true,
      category: sub.id,
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<ProductDetail>();
    expect(body).toEqual({
      id: expect.any(Number),
      name: `${token} Noise Cancelling Headphones`,
      slug: `${token}-noise-cancelling-headphones`,
      description: 'Over-ear, 30 h battery',
      price: '1499.50',
      price_min: '1499.50',
      price_max: '1499.50',
      stock: 7,
      in_stock: true,
      image: 'https://cdn.example.com/p.png',
      image_url: 'https://cdn.example.com/p.png',
      is_active: true,
      is_featured: true,
      category: summary(sub),
      category_name: sub.name,
      // The shop's default tax class (API-v2 §2).
      tax_class: null,
      // A product made as in v1: no options, one default variant whose SKU is the slug.
      options: [],
      variants: [
        {
          id: expect.any(Number),
          sku: `${token}-noise-cancelling-headphones`,
          title: 'Default',
          options: {},
          price: '1499.50',
          compare_at_price: null,
          stock: 7,
          is_active: true,
          weight_grams: null,
          image_id: null,
          tax_class: null,
        },
      ],
      images: [],
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    expect(body.category).not.toHaveProperty('children');
    expect(body.category.parent).toBe(category.id);
  });

  it('fills the defaults and writes money as two-decimal strings', async () => {
    const minimal = await post({ name: unique('Minimal '), price: '10', category: category.id });
    expect(minimal.statusCode, minimal.body).toBe(201);
    expect(minimal.json()).toMatchObject({
      price: '10.00',
      stock: 0,
      description: '',
      image_url: null,
      is_active: true,
      is_featured: false,
    });
    const cases: [unknown, string][] = [
      [1499.5, '1499.50'],
      ['1499.5', '1499.50'],
      [10, '10.00'],
      ['0.01', '0.01'],
      ['1.230', '1.23'],
      [' 7.5 ', '7.50'],
      ['0099', '99.00'],
      ['10000000.00', '10000000.00'],
    ];
    for (const [price, expected] of cases) {
      const res = await post({ name: unique('Money '), price, category: category.id });
      expect(res.statusCode, `${JSON.stringify(price)}: ${res.body}`).toBe(201);
      expect(res.json().price).toBe(expected);
      expect((await call(ctx, 'GET', url(res.json().id))).json().price).toBe(expected);
    }
    for (const image_url of [null, '']) {
      const res = await post({
        name: unique('No image '),
        price: 1,
        category: category.id,
        image_url,
      });
      expect(res.statusCode).toBe(201);
      expect(res.json().image_url).toBeNull();
    }
    const http = await post({
      name: unique('Http '),
      price: 1,
      category: category.id,
      image_url: 'http://x.example/a.jpg',
    });
    expect(http.json().image_url).toBe('http://x.example/a.jpg');
  });

  it('validates each field with a 400 naming it', async () => {
    const own = await makeCategory(ctx, admin);
    const valid = { name: unique('Valid '), price: '5.00', stock: 1, category: own.id };
    const cases: [string, Record<string, unknown>, string[] | null][] = [
      ['price', { price: 0 }, ['Price must be greater than 0']],
      ['price', { price: '0.00' }, ['Price must be greater than 0']],
      ['price', { price: -5 }, ['Price must be greater than 0']],
      ['price', { price: '-0.01' }, ['Price must be greater than 0']],
      ['price', { price: 1.234 }, ['Use at most 2 decimal places.']],
      ['price', { price: '1.999' }, ['Use at most 2 decimal places.']],
      ['price', { price: 0.1 + 0.2 }, ['Use at most 2 decimal places.']],
      ['price', { price: 'abc' }, ['Must be a decimal number such as 1499.50.']],
      ['price', { price: '' }, ['Must be a decimal number such as 1499.50.']],
      ['price', { price: '1e3' }, ['Must be a decimal number such as 1499.50.']],
      ['price', { price: '12,50' }, ['Must be a decimal number such as 1499.50.']],
      ['price', { price: null }, null],
      ['price', { price: '12345678901' }, null],
      ['price', { price: undefined }, ['Required.']],
      ['stock', { stock: -1 }, ['Stock cannot be negative']],
      ['stock', { stock: 1.5 }, null],
      ['stock', { stock: 'abc' }, null],
      ['image_url', { image_url: 'ftp://x' }, null],
      ['image_url', { image_url: 'not a url' }, null],
      ['image_url', { image_url: 'javascript:alert(1)' }, null],
      ['image_url', { image_url: 'https://' + 'x'.repeat(500) }, null],
      ['category', { category: 2_147_483_647 }, null],
      ['category', { category: 0 }, ['Choose a category.']],
      ['category', { category: 'abc' }, null],
      ['category', { category: undefined }, ['Choose a category.']],
      ['name', { name: '' }, ['Must not be blank.']],
      ['name', { name: '   ' }, ['Must not be blank.']],
      ['name', { name: undefined }, ['Required.']],
      ['name', { name: 'x'.repeat(201) }, null],
    ];
    for (const [field, change, messages] of cases) {
      const res = await post({ ...valid, ...change });
      const problem = expectProblem(res, 400, 'validation_error', field);
      if (messages) expect(problem.errors![field], JSON.stringify(change)).toEqual(messages);
    }
    // Nothing was created by any of them.
    expect(await listed(own.slug)).toEqual([]);
  });

  it('reports every invalid field at once', async () => {
    const res = await post({ name: '  ', price: 0, category: 2_147_483_647 });
    const problem = expectProblem(res, 400, 'validation_error');
    expect(Object.keys(problem.errors!).sort()).toEqual(['category', 'name', 'price']);
  });

  it('makes slugs unique with -2, -3 and never takes a route name or a bare number', async () => {
    const token = unique('s');
    const lamps = [];
    for (const name of [`${token} Desk Lamp`, `${token} desk lamp!`, `${token} Desk-Lamp`]) {
      lamps.push(await makeProduct({ ctx, admin, categoryId: category.id }, { name }));
    }
    expect(lamps.map((p) => p.slug)).toEqual([
      `${token}-desk-lamp`,
      `${token}-desk-lamp-2`,
      `${token}-desk-lamp-3`,
    ]);

    const featured = await makeProduct({ ctx, admin, categoryId: category.id }, { name: 'Featured' });
    expect(featured.slug).toMatch(/^featured-\d+$/);
    const byFeaturedSlug = await call(ctx, 'GET', url(featured.slug));
    expect(byFeaturedSlug.json()).toMatchObject({ id: featured.id });

    // A slug of digits alone would be read as an id: "1984" gets a suffix, and stays reachable.
    const book = await makeProduct({ ctx, admin, categoryId: category.id }, { name: '1984' });
    expect(book.slug).not.toMatch(/^\d+$/);
    expect(book.slug).toMatch(/^1984-\d+$/);
    const bySlug = await call(ctx, 'GET', url(book.slug));
    expect(bySlug.statusCode).toBe(200);
    expect(bySlug.json()).toMatchObject({ id: book.id, name: '1984' });
  });
});

describe('reading a product', () => {
  it('reads the detail by id and by slug, with or without the trailing slash', async () => {
    const product = await makeProduct({ ctx, admin, categoryId: category.id }, { description: 'hello' });
    for (const path of [
      url(product.id),
      url(product.slug),
      `/api/products/${product.id}`,
      `/api/products/${product.slug}`,
    ]) {
      const res = await call(ctx, 'GET', path);
      expect(res.statusCode, path).toBe(200);
      expect(res.json()).toEqual(product);
    }
  });

  it('answers 404 for unknown ids and slugs, never 500', async () => {
    for (const ref of [
      '2147483647',
      '9999999999',
      '99999999999999999999',
      '0',
      unique('no-such-'),
    ]) {
      expectProblem(await call(ctx, 'GET', url(ref)), 404, 'not_found');
    }
  });

  it('hides an inactive product from the public and normal users, but not from admins', async () => {
    const own = await makeCategory(ctx, admin);
    const visible = await makeProduct({ ctx, admin, categoryId: own.id });
    const hidden = await makeProduct({ ctx, admin, categoryId: own.id }, { is_active: false });
    expect(hidden.is_active).toBe(false);
    for (const ref of [hidden.id, hidden.slug]) {
      expectProblem(await call(ctx, 'GET', url(ref)), 404, 'not_found');
      expectProblem(await call(ctx, 'GET', url(ref), user), 404, 'not_found');
      const asAdmin = await call(ctx, 'GET', url(ref), admin);
      expect(asAdmin.statusCode).toBe(200);
      expect(asAdmin.json()).toMatchObject({ id: hidden.id, is_active: false });
    }
    // The list holds active products only, for everyone.
    for (const as of [null, user, admin]) {
      const page = await getPage(ctx, productsUrl({ category: own.slug }), as);
      expect(page.count).toBe(1);
      expect(page.results.map((p) => p.id)).toEqual([visible.id]);
    }
    const search = await getPage(ctx, productsUrl({ search: hidden.name }));
    expect(search.results.map((p) => p.id)).not.toContain(hidden.id);

    // Reactivated, it is public again.
    await call(ctx, 'PATCH', url(hidden.id), admin, { is_active: true });
    expect((await call(ctx, 'GET', url(hidden.slug))).statusCode).toBe(200);
  });

  it('refuses a bad token even on a public read', async () => {
    const product = await makeProduct({ ctx, admin, categoryId: category.id });
    const res = await ctx.app.inject({
      method: 'GET',
      url: url(product.id),
      headers: { authorization: 'Bearer nonsense' },
    });
    expectProblem(res, 401, 'token_invalid');
  });
});

describe('updating a product', () => {
  it('replaces it with PUT, keeping the slug', async () => {
    const other = await makeCategory(ctx, admin);
    const product = await makeProduct({ ctx, admin, categoryId: category.id }, { stock: 3 });
    const name = unique('Replaced ');
    const res = await call(ctx, 'PUT', url(product.id), admin, {
      name,
      description: 'new description',
      price: '250',
      stock: 9,
      image_url: 'https://img.example.com/x.webp',
      is_active: true,
      is_featured: false,
      category: other.id,
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<ProductDetail>();
    expect(body).toEqual({
      ...product,
      name,
      description: 'new description',
      price: '250.00',
      price_min: '250.00',
      price_max: '250.00',
      stock: 9,
      image: 'https://img.example.com/x.webp',
      image_url: 'https://img.example.com/x.webp',
      variants: [{ ...product.variants[0]!, price: '250.00', stock: 9 }],
      category: summary(other),
      category_name: other.name,
      updated_at: expect.stringMatching(ISO),
    });
    expect(body.slug).toBe(product.slug);
    expect(Date.parse(body.updated_at)).toBeGreaterThanOrEqual(Date.parse(product.updated_at));
    expect((await call(ctx, 'GET', url(product.slug))).json()).toEqual(body);

    const missing = await call(ctx, 'PUT', url(product.id), admin, { name, category: other.id });
    expectProblem(missing, 400, 'validation_error', 'price');
  });

  it('changes only the given fields with PATCH', async () => {
    const product = await makeProduct({ ctx, admin, categoryId: category.id }, {
      description: 'keep me',
      stock: 4,
      image_url: 'https://img.example.com/keep.png',
      is_featured: true,
    });
    const res = await call(ctx, 'PATCH', url(product.id), admin, { price: 20 });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      ...product,
      price: '20.00',
      price_min: '20.00',
      price_max: '20.00',
      variants: [{ ...product.variants[0]!, price: '20.00' }],
      updated_at: expect.stringMatching(ISO),
    });

    const stock = await call(ctx, 'PATCH', url(product.id), admin, { stock: 0, image_url: null });
    expect(stock.json()).toMatchObject({
      price: '20.00',
      stock: 0,
      image_url: null,
      description: 'keep me',
    });
  });

  it('validates updates like creates, and answers 404 for an unknown product', async () => {
    const product = await makeProduct({ ctx, admin, categoryId: category.id });
    const cases: [string, Record<string, unknown>][] = [
      ['price', { price: 0 }],
      ['price', { price: '1.001' }],
      ['stock', { stock: -1 }],
      ['image_url', { image_url: 'ftp://x' }],
      ['category', { category: 2_147_483_647 }],
      ['name', { name: ' ' }],
    ];
    for (const [field, payload] of cases) {
      expectProblem(
        await call(ctx, 'PATCH', url(product.id), admin, payload),
        400,
        'validation_error',
        field,
      );
    }
    expect((await call(ctx, 'GET', url(product.id))).json()).toEqual(product);
    expectProblem(
      await call(ctx, 'PATCH', url(2_147_483_647), admin, { price: 5 }),
      404,
      'not_found',
    );
    expectProblem(
      await call(ctx, 'PUT', url(2_147_483_647), admin, {
        name: 'x',
        price: 5,
        category: category.id,
      }),
      404,
      'not_found',
    );
  });
});

describe('deleting a product', () => {
  it('deletes a product that was never ordered: 204, then 404', async () => {
    const product = await makeProduct({ ctx, admin, categoryId: category.id });
    const res = await call(ctx, 'DELETE', url(product.id), admin);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expectProblem(await call(ctx, 'GET', url(product.id), admin), 404, 'not_found');
    expectProblem(await call(ctx, 'GET', url(product.slug), admin), 404, 'not_found');
    expectProblem(await call(ctx, 'DELETE', url(product.id), admin), 404, 'not_found');
  });

  it('refuses with 409 to delete a product that appears in an order; deactivating works', async () => {
    const product = await makeProduct({ ctx, admin, categoryId: category.id });
    await orderProduct(ctx, user.id, product);
    const res = await call(ctx, 'DELETE', url(product.id), admin);
    const problem = expectProblem(res, 409, 'conflict');
    expect(problem.detail).toMatch(/is_active/);
    expect((await call(ctx, 'GET', url(product.id))).statusCode).toBe(200);
    const off = await call(ctx, 'PATCH', url(product.id), admin, { is_active: false });
    expect(off.statusCode).toBe(200);
    expectProblem(await call(ctx, 'GET', url(product.id)), 404, 'not_found');
  });
});

describe('admin-only writes', () => {
  it('answers 401 to anonymous callers and 403 to normal users, changing nothing', async () => {
    const product = await makeProduct({ ctx, admin, categoryId: category.id });
    const body = { name: unique('Nope '), price: 1, category: category.id };
    const writes: ['POST' | 'PUT' | 'PATCH' | 'DELETE', string, unknown][] = [
      ['POST', '/api/products/', body],
      ['PUT', url(product.id), body],
      ['PATCH', url(product.id), { price: 1 }],
      ['DELETE', url(product.id), undefined],
    ];
    for (const [method, path, payload] of writes) {
      const anonymous = await call(ctx, method, path, null, payload);
      expectProblem(anonymous, 401, 'not_authenticated');
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      expectProblem(await call(ctx, method, path, user, payload), 403, 'permission_denied');
    }
    expect((await call(ctx, 'GET', url(product.id))).json()).toEqual(product);
    const created = await ctx.database.db
      .select()
      .from(products)
      .where(eq(products.name, body.name));
    expect(created).toEqual([]);
  });
});

describe('featured/', () => {
  it('lists at most 10 active featured products, newest first', async () => {
    const own = await makeCategory(ctx, admin);
    const featured: ProductDetail[] = [];
    for (let i = 0; i < 11; i++) {
      featured.push(
        await makeProduct({ ctx, admin, categoryId: own.id }, {
          name: unique(`Featured ${i} `),
          is_featured: true,
        }),
      );
    }
    const inactive = await makeProduct({ ctx, admin, categoryId: own.id }, { is_featured: true, is_active: false });
    const plain = await makeProduct({ ctx, admin, categoryId: own.id });

    for (const path of ['/api/products/featured/', '/api/products/featured']) {
      const res = await call(ctx, 'GET', path);
      expect(res.statusCode).toBe(200);
      const list = res.json<ProductItem[]>();
      expect(list).toHaveLength(10);
      expect(list.map((p) => p.id)).toEqual(
        featured
          .slice(1)
          .reverse()
          .map((p) => p.id),
      );
      for (const item of list) expect(item).toMatchObject({ is_featured: true, is_active: true });
      const ids = list.map((p) => p.id);
      expect(ids).not.toContain(inactive.id);
      expect(ids).not.toContain(plain.id);
      expect(ids).not.toContain(featured[0]!.id);
    }
  });

  it('follows the flag: unfeaturing or deactivating removes a product', async () => {
    const own = await makeCategory(ctx, admin);
    const a = await makeProduct({ ctx, admin, categoryId: own.id }, { is_featured: true });
    const b = await makeProduct({ ctx, admin, categoryId: own.id }, { is_featured: true });
    const ids = async () =>
      (await call(ctx, 'GET', '/api/products/featured/')).json<ProductItem[]>().map((p) => p.id);
    expect((await ids()).slice(0, 2)).toEqual([b.id, a.id]);
    await call(ctx, 'PATCH', url(b.id), admin, { is_featured: false });
    await call(ctx, 'PATCH', url(a.id), admin, { is_active: false });
    const now = await ids();
    expect(now).not.toContain(a.id);
    expect(now).not.toContain(b.id);
  });
});

type LowStockItem = Schemas['LowStockItem'];
/** The stock of a low-stock row's lowest variant (the list's order). */
const lowest = (item: LowStockItem) => item.low_variants[0]!.stock;

describe('low_stock/', () => {
  it('is for admins only', async () => {
    expectProblem(await call(ctx, 'GET', '/api/products/low_stock/'), 401, 'not_authenticated');
    expectProblem(
      await call(ctx, 'GET', '/api/products/low_stock/', user),
      403,
      'permission_denied',
    );
  });

  it('lists active products below the threshold (default 10), lowest stock first', async () => {
    const own = await makeCategory(ctx, admin);
    const make = (stock: number, extra: Record<string, unknown> = {}) =>
      makeProduct({ ctx, admin, categoryId: own.id }, { stock, ...extra });
    const s0 = await make(0);
    const s3a = await make(3);
    const s3b = await make(3);
    const s9 = await make(9);
    const s10 = await make(10);
    const s25 = await make(25);
    const inactive = await make(1, { is_active: false });
    const mine = [s0, s3a, s3b, s9, s10, s25, inactive];

    /**
     * Checks `low_stock/` against the products of this test: the list holds every active one
     * with a variant below the threshold, that variant's stock lowest first (ties by id), and no
     * other (this test's products have one variant each, so that is their stock). Other tests share the
     * database: when the list is full (100), products past its last stock level may be cut.
     */
    const expectLowStock = async (query: string, threshold: number, expected: ProductDetail[]) => {
      const res = await call(ctx, 'GET', `/api/products/low_stock/${query}`, admin);
      expect(res.statusCode, res.body).toBe(200);
      const list = res.json<LowStockItem[]>();
      expect(list.length).toBeLessThanOrEqual(100);
      for (const [i, item] of list.entries()) {
        expect(item.is_active).toBe(true);
        expect(lowest(item)).toBeLessThan(threshold);
        const prev = list[i - 1];
        if (prev) {
          expect(lowest(prev) < lowest(item) || (lowest(prev) === lowest(item) && prev.id < item.id)).toBe(true);
        }
      }
      const cut = list.length === 100 ? lowest(list[99]!) : Infinity;
      const found = list.filter((p) => mine.some((m) => m.id === p.id)).map((p) => p.id);
      const mustFind = expected.filter((p) => p.stock < cut).map((p) => p.id);
      expect(found.slice(0, mustFind.length)).toEqual(mustFind);
      expect(expected.map((p) => p.id)).toEqual(expect.arrayContaining(found));
      return list;
    };

    const byDefault = await expectLowStock('', 10, [s0, s3a, s3b, s9]);
    expect(byDefault.find((p) => p.id === s0.id)).toMatchObject({ stock: 0, category: own.id });
    await expectLowStock('?threshold=4', 4, [s0, s3a, s3b]);
    await expectLowStock('?threshold=3', 3, [s0]);
    await expectLowStock('?threshold=26', 26, [s0, s3a, s3b, s9, s10, s25]);
    expect(await expectLowStock('?threshold=0', 0, [])).toEqual([]);
  });

  it('takes its default threshold from LOW_STOCK_THRESHOLD', async () => {
    const other = await buildTestApp({ LOW_STOCK_THRESHOLD: '4' });
    try {
      const { admin: otherAdmin } = await catalogActors(other);
      const own = await makeCategory(other, otherAdmin);
      const three = await makeProduct({ ctx: other, admin: otherAdmin, categoryId: own.id }, { stock: 3 });
      const four = await makeProduct({ ctx: other, admin: otherAdmin, categoryId: own.id }, { stock: 4 });
      const res = await call(other, 'GET', '/api/products/low_stock/', otherAdmin);
      expect(res.statusCode).toBe(200);
      const list = res.json<LowStockItem[]>();
      for (const item of list) expect(lowest(item)).toBeLessThan(4);
      // (Other tests share the database: a full list may end before stock 3.)
      if (list.length < 100 || lowest(list[99]!) > 3)
        expect(list.map((p) => p.id)).toContain(three.id);
      expect(list.map((p) => p.id)).not.toContain(four.id);
    } finally {
      await other.close();
    }
  });

  it('refuses a bad threshold with 400', async () => {
    for (const threshold of ['abc', '-1', '1.5', '99999999999']) {
      const res = await call(ctx, 'GET', `/api/products/low_stock/?threshold=${threshold}`, admin);
      expectProblem(res, 400, 'validation_error', 'threshold');
    }
  });
});

describe('database state', () => {
  it('keeps prices as exact decimals in the database', async () => {
    const product = await makeProduct({ ctx, admin, categoryId: category.id }, { price: 0.1 });
    const [row] = await ctx.database.db
      .select({ price: products.price })
      .from(products)
      .where(inArray(products.id, [product.id]));
    expect(row!.price).toMatch(/^0\.10?$/);
    expect(product.price).toBe('0.10');
  });
});
