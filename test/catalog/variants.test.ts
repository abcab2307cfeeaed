import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productImages } from '../../src/db/schema/index.js';
import { buildTestApp, onPostgres, type TestContext, unique } from '../helpers/app.js';
import {
  call,
  catalogActors,
  countQueries,
  getPage,
  orderProduct,
  productsUrl,
  type ProductDetail,
} from '../helpers/catalog.js';
import type { Schemas } from '../helpers/client.js';
import { makeCategory, makeProduct, type Shop, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { ok } from '../helpers/shop.js';

/** API-v2 §1 "Options and variants", the catalog side: options, variants, their rules and lists. */
type Variant = Schemas['Variant'];
let ctx: TestContext;
let admin: TestUser;
let user: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp({ DB_POOL_MAX: '10' });
  ({ admin, user } = await catalogActors(ctx));
});
afterAll(async () => ctx?.close());

const base = (id: number) => `/api/products/${id}`;
const putOptions = (id: number, options: unknown, as: TestUser | null = admin) =>
  call(ctx, 'PUT', `${base(id)}/options/`, as, { options });
const addVariant = (id: number, body: Record<string, unknown>, as: TestUser | null = admin) =>
  call(ctx, 'POST', `${base(id)}/variants/`, as, body);
const patchVariant = (id: number, variantId: number, body: Record<string, unknown>) =>
  call(ctx, 'PATCH', `${base(id)}/variants/${variantId}/`, admin, body);
const detail = async (id: number, as: TestUser | null = admin) =>
  ok<ProductDetail>(await call(ctx, 'GET', `${base(id)}/`, as));

/** A product of its own category (so that list filters see it alone), 100.00, stock 50. */
async function product(
  fields: Record<string, unknown> = {},
): Promise<{ shop: Shop; product: ProductDetail }> {
  const category = await makeCategory(ctx, admin);
  const shop = { ctx, admin, categoryId: category.id };
  return { shop, product: await makeProduct(shop, fields) };
}

/** A product with Size (S, M, L) and Colour (Red, Blue) options and its default variant moved to S / Red. */
async function withOptions(fields: Record<string, unknown> = {}) {
  const made = await product(fields);
  const options = [
    { name: 'Size', values: ['S', 'M', 'L'] },
    { name: 'Colour', values: ['Red', 'Blue'] },
  ];
  const body = ok<ProductDetail>(await putOptions(made.product.id, options));
  return { ...made, product: body, categorySlug: (await detail(made.product.id)).category.slug };
}

describe('options', () => {
  it('are set with PUT; the default variant takes the first values and keeps its SKU, price and stock', async () => {
    const { product: p } = await product({ price: '250.00', stock: 7 });
    const before = p.variants[0]!;
    const res = await putOptions(p.id, [
      { name: ' Size ', values: ['M', 'L'] },
      { name: 'Colour', values: ['Red', 'Blue'] },
    ]);
    const body = ok<ProductDetail>(res);
    expect(body.options).toEqual([
      { name: 'Size', values: ['M', 'L'] },
      { name: 'Colour', values: ['Red', 'Blue'] },
    ]);
    expect(body.variants).toEqual([
      {
        ...before,
        options: { Size: 'M', Colour: 'Red' },
        title: 'M / Red',
        sku: before.sku,
        price: '250.00',
        stock: 7,
      },
    ]);
    expect((await detail(p.id, null)).options).toEqual(body.options);
  });

  it('refuse more than 3, blank or repeated names and values, naming each field', async () => {
    const { product: p } = await product();
    const four = ['A', 'B', 'C', 'D'].map((name) => ({ name, values: ['x'] }));
    expectProblem(await putOptions(p.id, four), 400, 'validation_error', 'options');
    const bad = await putOptions(p.id, [
      { name: '  ', values: ['x'] },
      { name: 'Size', values: ['S', 's', ' '] },
      { name: 'SIZE', values: ['M'] },
    ]);
    const problem = expectProblem(bad, 400, 'validation_error');
    expect(Object.keys(problem.errors!).sort()).toEqual([
      'options.0.name',
      'options.1.values',
      'options.2.name',
    ]);
    expectProblem(await putOptions(p.id, [{ name: 'Size', values: [] }]), 400, 'validation_error');
    const many = Array.from({ length: 51 }, (_, i) => `v${i}`);
    expectProblem(
      await putOptions(p.id, [{ name: 'Size', values: many }]),
      400,
      'validation_error',
    );
    expectProblem(
      await putOptions(p.id, [{ name: 'Size', values: ['x'.repeat(51)] }]),
      400,
      'validation_error',
    );
    expect((await detail(p.id)).options).toEqual([]);
  });

  it('cannot lose a value a variant uses, nor an option while there are several variants (409)', async () => {
    const { product: p } = await withOptions();
    ok(await addVariant(p.id, { options: { Size: 'M', Colour: 'Blue' }, price: '120.00' }), 201);
    const used = await putOptions(p.id, [
      { name: 'Size', values: ['S', 'L'] },
      { name: 'Colour', values: ['Red', 'Blue'] },
    ]);
    expect(expectProblem(used, 409, 'conflict').detail).toMatch(/"M"/);
    const removed = await putOptions(p.id, [{ name: 'Size', values: ['S', 'M', 'L'] }]);
    expect(expectProblem(removed, 409, 'conflict').detail).toMatch(/"Colour"/);
    // An unused value may go; a new option gives every variant its first value.
    const body = ok<ProductDetail>(
      await putOptions(p.id, [
        { name: 'Size', values: ['S', 'M'] },
        { name: 'Colour', values: ['Red', 'Blue'] },
        { name: 'Fit', values: ['Slim', 'Loose'] },
      ]),
    );
    expect(body.variants.map((v) => [v.options, v.title])).toEqual([
      [{ Size: 'S', Colour: 'Red', Fit: 'Slim' }, 'S / Red / Slim'],
      [{ Size: 'M', Colour: 'Blue', Fit: 'Slim' }, 'M / Blue / Slim'],
    ]);
  });

  it('keep the values of an option whose name changes case; one variant drops a removed option', async () => {
    const { product: p } = await withOptions();
    const renamed = ok<ProductDetail>(
      await putOptions(p.id, [
        { name: 'size', values: ['S', 'M', 'L'] },
        { name: 'Colour', values: ['Red', 'Blue'] },
      ]),
    );
    expect(renamed.variants[0]).toMatchObject({
      options: { size: 'S', Colour: 'Red' },
      title: 'S / Red',
    });
    const dropped = ok<ProductDetail>(
      await putOptions(p.id, [{ name: 'Colour', values: ['Blue', 'Red'] }]),
    );
    expect(dropped.variants[0]).toMatchObject({
      options: { Colour: 'Red' },
      title: 'Red',
      sku: p.variants[0]!.sku,
    });
    const none = ok<ProductDetail>(await putOptions(p.id, []));
    expect(none.variants[0]).toMatchObject({ options: {}, title: 'Default' });
  });

  it('are staff-only', async () => {
    const { product: p } = await product();
    expectProblem(await putOptions(p.id, [], user), 403, 'permission_denied');
    expect((await putOptions(p.id, [], null)).statusCode).toBe(401);
    expectProblem(await putOptions(2_147_483_647, []), 404, 'not_found');
  });
});

describe('variants', () => {
  it('are created with their rules; price, price_max and stock of the product follow them', async () => {
    const { product: p } = await withOptions({ price: '100.00', stock: 5 });
    const created = ok<Variant>(
      await addVariant(p.id, {
        options: { Size: 'M', Colour: 'Blue' },
        price: '149.5',
        compare_at_price: 199,
        stock: 3,
        weight_grams: 400,
      }),
      201,
    );
    expect(created).toEqual({
      id: expect.any(Number),
      sku: `${p.slug}-m-blue`,
      title: 'M / Blue',
      options: { Size: 'M', Colour: 'Blue' },
      price: '149.50',
      compare_at_price: '199.00',
      stock: 3,
      is_active: true,
      weight_grams: 400,
      image_id: null,
      tax_class: null,
    });
    ok(
      await addVariant(p.id, {
        options: { Size: 'L', Colour: 'Red' },
        price: '80.00',
        stock: 2,
        sku: 'Custom.L_red-1',
        title: 'Large red',
      }),
      201,
    );
    const after = await detail(p.id);
    expect(after).toMatchObject({
      price: '80.00',
      price_min: '80.00',
      price_max: '149.50',
      stock: 10,
      in_stock: true,
    });
    expect(after.variants.map((v) => v.sku)).toEqual([
      p.variants[0]!.sku,
      `${p.slug}-m-blue`,
      'Custom.L_red-1',
    ]);
    expect(after.variants[2]!.title).toBe('Large red');
    expect(ok<Variant[]>(await call(ctx, 'GET', `${base(p.id)}/variants/`, admin))).toEqual(
      after.variants,
    );
    expect(
      ok<Variant>(await call(ctx, 'GET', `${base(p.id)}/variants/${created.id}/`, admin)),
    ).toEqual(created);

    // An inactive variant counts for neither price nor stock, and shoppers do not see it.
    ok(await patchVariant(p.id, created.id, { is_active: false }));
    const shopper = await detail(p.id, user);
    expect(shopper).toMatchObject({ price: '80.00', price_max: '100.00', stock: 7 });
    expect(shopper.variants.map((v) => v.id)).not.toContain(created.id);
    expect((await detail(p.id)).variants.map((v) => v.id)).toContain(created.id);
    const [item] = (await getPage(ctx, productsUrl({ search: p.name }))).results;
    expect(item).toMatchObject({
      id: p.id,
      price: '80.00',
      price_min: '80.00',
      price_max: '100.00',
      stock: 7,
      in_stock: true,
    });
  });

  it('refuse options that are not the product’s, a repeated combination, a used SKU and bad values', async () => {
    const { product: p } = await withOptions();
    const refused = async (body: Record<string, unknown>, field: string) =>
      expectProblem(
        await addVariant(p.id, { price: '10.00', ...body }),
        400,
        'validation_error',
        field,
      );
    await refused({ options: { Size: 'M' } }, 'options');
    await refused({ options: { Size: 'M', Colour: 'Green' } }, 'options');
    await refused({ options: { Size: 'M', Colour: 'Red', Fit: 'Slim' } }, 'options');
    await refused({ options: { size: 'M', Colour: 'Red' } }, 'options');
    await refused({ options: { Size: 'S', Colour: 'Red' } }, 'options');
    const sku = p.variants[0]!.sku.toUpperCase();
    const taken = await refused({ options: { Size: 'M', Colour: 'Red' }, sku }, 'sku');
    expect(taken.errors!.sku).toEqual([`SKU "${sku}" is already used.`]);
    await refused({ options: { Size: 'M', Colour: 'Red' }, sku: 'has space' }, 'sku');
    await refused({ options: { Size: 'M', Colour: 'Red' }, sku: 'x'.repeat(65) }, 'sku');
    await refused({ options: { Size: 'M', Colour: 'Red' }, price: '0' }, 'price');
    await refused({ options: { Size: 'M', Colour: 'Red' }, price: '10000000.01' }, 'price');
    await refused({ options: { Size: 'M', Colour: 'Red' }, price: '1.234' }, 'price');
    await refused(
      { options: { Size: 'M', Colour: 'Red' }, compare_at_price: 'abc' },
      'compare_at_price',
    );
    await refused({ options: { Size: 'M', Colour: 'Red' }, stock: -1 }, 'stock');
    await refused({ options: { Size: 'M', Colour: 'Red' }, stock: 1_000_000_001 }, 'stock');
    await refused(
      { options: { Size: 'M', Colour: 'Red' }, weight_grams: 1_000_001 },
      'weight_grams',
    );
    await refused({ options: { Size: 'M', Colour: 'Red' }, image_id: 2_147_483_647 }, 'image_id');
    // Every problem that the schema lets through, at once.
    const all = await addVariant(p.id, { options: { Size: 'X' }, price: 'free', sku });
    expect(Object.keys(expectProblem(all, 400, 'validation_error').errors!).sort()).toEqual([
      'options',
      'price',
      'sku',
    ]);
    expect((await detail(p.id)).variants).toHaveLength(1);
  });

  it('take an image of their own product only', async () => {
    const { product: p } = await withOptions();
    const { product: other } = await product();
    const [mine, theirs] = await ctx.database.db
      .insert(productImages)
      .values([
        { productId: p.id, key: unique('k'), format: 'jpg', width: 10, height: 10 },
        { productId: other.id, key: unique('k'), format: 'jpg', width: 10, height: 10 },
      ])
      .returning();
    expectProblem(
      await addVariant(p.id, {
        options: { Size: 'M', Colour: 'Red' },
        price: 5,
        image_id: theirs!.id,
      }),
      400,
      'validation_error',
      'image_id',
    );
    const v = ok<Variant>(
      await addVariant(p.id, {
        options: { Size: 'M', Colour: 'Red' },
        price: 5,
        image_id: mine!.id,
      }),
      201,
    );
    expect(v.image_id).toBe(mine!.id);
    const body = await detail(p.id, null);
    expect(body.images.map((i) => i.id)).toEqual([mine!.id]);
    expect(body.images[0]!.sizes.thumb).toMatch(new RegExp(`/${mine!.key}/thumb\\.webp$`));
    expect(body.image).toBe(body.images[0]!.sizes.thumb);
    expect(ok<Variant>(await patchVariant(p.id, v.id, { image_id: null })).image_id).toBeNull();
  });

  it('are updated field by field; stock_adjustment is relative; SKUs stay unique', async () => {
    const { product: p } = await withOptions({ stock: 10 });
    const first = p.variants[0]!;
    const second = ok<Variant>(
      await addVariant(p.id, {
        options: { Size: 'M', Colour: 'Red' },
        price: 30,
        sku: unique('SKU-'),
      }),
      201,
    );
    const changed = ok<Variant>(
      await patchVariant(p.id, first.id, {
        price: '75.25',
        stock_adjustment: -4,
        compare_at_price: '90',
      }),
    );
    expect(changed).toEqual({ ...first, price: '75.25', stock: 6, compare_at_price: '90.00' });
    expect(
      ok<Variant>(await patchVariant(p.id, first.id, { options: { Size: 'L', Colour: 'Blue' } })),
    ).toMatchObject({
      options: { Size: 'L', Colour: 'Blue' },
      title: 'L / Blue',
    });
    expectProblem(
      await patchVariant(p.id, first.id, { options: { Size: 'M', Colour: 'Red' } }),
      400,
      'validation_error',
      'options',
    );
    expectProblem(
      await patchVariant(p.id, first.id, { sku: second.sku.toLowerCase() }),
      400,
      'validation_error',
      'sku',
    );
    const both = expectProblem(
      await patchVariant(p.id, first.id, { stock: 1, stock_adjustment: 1 }),
      400,
      'validation_error',
    );
    expect(Object.keys(both.errors!).sort()).toEqual(['stock', 'stock_adjustment']);
    expectProblem(
      await patchVariant(p.id, first.id, { stock_adjustment: -7 }),
      400,
      'validation_error',
      'stock_adjustment',
    );
    // Its own SKU in another case is not a collision.
    expect(
      ok<Variant>(await patchVariant(p.id, first.id, { sku: first.sku.toUpperCase() })).sku,
    ).toBe(first.sku.toUpperCase());
    // A variant of another product is not found under this one.
    const { product: other } = await product();
    expectProblem(await patchVariant(other.id, first.id, { price: 1 }), 404, 'not_found');
    expectProblem(
      await call(ctx, 'GET', `${base(other.id)}/variants/${first.id}/`, admin),
      404,
      'not_found',
    );
    expectProblem(
      await call(ctx, 'GET', `${base(p.id)}/variants/`, user),
      403,
      'permission_denied',
    );
    expect((await detail(p.id)).stock).toBe(6);
  });

  it('make a product’s price and stock edits 400 use_variants once there are several', async () => {
    const { product: p } = await withOptions();
    ok(await addVariant(p.id, { options: { Size: 'M', Colour: 'Red' }, price: 30 }), 201);
    expectProblem(
      await call(ctx, 'PATCH', `${base(p.id)}/`, admin, { price: 5 }),
      400,
      'use_variants',
    );
    expectProblem(
      await call(ctx, 'PATCH', `${base(p.id)}/`, admin, { stock_adjustment: 5 }),
      400,
      'use_variants',
    );
    expect(
      ok<ProductDetail>(await call(ctx, 'PATCH', `${base(p.id)}/`, admin, { name: 'Renamed' }))
        .name,
    ).toBe('Renamed');
  });

  it('are deleted, except the last one and one that was ordered (409)', async () => {
    const { product: p } = await withOptions();
    const extra = ok<Variant>(
      await addVariant(p.id, { options: { Size: 'M', Colour: 'Red' }, price: 30 }),
      201,
    );
    await orderProduct(ctx, user.id, p); // orders the first (default) variant
    const ordered = await call(
      ctx,
      'DELETE',
      `${base(p.id)}/variants/${p.variants[0]!.id}/`,
      admin,
    );
    expect(expectProblem(ordered, 409, 'conflict').detail).toMatch(/is_active/);
    expect(
      (await call(ctx, 'DELETE', `${base(p.id)}/variants/${extra.id}/`, admin)).statusCode,
    ).toBe(204);
    expectProblem(
      await call(ctx, 'DELETE', `${base(p.id)}/variants/${extra.id}/`, admin),
      404,
      'not_found',
    );
    const last = await call(ctx, 'DELETE', `${base(p.id)}/variants/${p.variants[0]!.id}/`, admin);
    expect(expectProblem(last, 409, 'conflict').detail).toMatch(/last variant/);
    expect((await detail(p.id)).price_max).toBe('100.00');
  });

  it('give a new product another default SKU when its slug is some variant’s SKU', async () => {
    const { product: p } = await withOptions();
    const name = unique('Collide ');
    const slug = name.toLowerCase().replace(/ /g, '-');
    ok(
      await addVariant(p.id, {
        options: { Size: 'M', Colour: 'Red' },
        price: 30,
        sku: slug.toUpperCase(),
      }),
      201,
    );
    const made = await makeProduct({ ctx, admin, categoryId: p.category.id }, { name });
    expect(made.slug).toBe(slug);
    expect(made.variants[0]!.sku).toBe(`${slug}-2`);
  });
});

describe('bulk', () => {
  const sizes = Array.from({ length: 10 }, (_, i) => `S${i}`);
  const colours = Array.from({ length: 10 }, (_, i) => `C${i}`);

  it(
    'creates every missing combination in one request and updates 100 variants in one',
    { timeout: 60_000 },
    async () => {
      const { product: p } = await product({ price: '10.00', stock: 1 });
      ok(
        await putOptions(p.id, [
          { name: 'Size', values: sizes },
          { name: 'Colour', values: colours },
        ]),
      );
      const missing = sizes.flatMap((s) => colours.map((c) => ({ Size: s, Colour: c }))).slice(1);
      const created = ok<{ variants: Variant[] }>(
        await call(ctx, 'POST', `${base(p.id)}/variants/bulk/`, admin, {
          variants: missing.map((options, i) => ({ options, price: 20 + i, stock: 1 })),
        }),
        201,
      );
      expect(created.variants).toHaveLength(99);
      expect(created.variants[0]).toMatchObject({
        options: missing[0],
        price: '20.00',
        sku: `${p.slug}-s0-c1`,
      });
      // The 101st is refused.
      ok(
        await putOptions(p.id, [
          { name: 'Size', values: [...sizes, 'XL'] },
          { name: 'Colour', values: colours },
        ]),
      );
      expectProblem(
        await addVariant(p.id, { options: { Size: 'XL', Colour: 'C0' }, price: 1 }),
        400,
        'validation_error',
        'variants',
      );

      const all = ok<Variant[]>(await call(ctx, 'GET', `${base(p.id)}/variants/`, admin));
      expect(all).toHaveLength(100);
      const started = performance.now();
      const updated = ok<{ variants: Variant[] }>(
        await call(ctx, 'PATCH', `${base(p.id)}/variants/`, admin, {
          variants: all.map((v, i) => ({
            id: v.id,
            price: `${500 + i}.50`,
            stock_adjustment: i,
            is_active: i !== 99,
          })),
        }),
      );
      console.log(`bulk update of 100 variants: ${(performance.now() - started).toFixed(0)} ms`);
      expect(updated.variants.map((v) => [v.id, v.price, v.stock, v.is_active])).toEqual(
        all.map((v, i) => [v.id, `${500 + i}.50`, 1 + i, i !== 99]),
      );
      const after = await detail(p.id);
      expect(after).toMatchObject({
        price: '500.50',
        price_max: '598.50',
        stock: 99 + (98 * 99) / 2,
      });
      // Set-based: the statements sent do not grow with the number of variants.
      const statements = await countQueries(ctx, async () =>
        ok(
          await call(ctx, 'PATCH', `${base(p.id)}/variants/`, admin, {
            variants: all.map((v) => ({ id: v.id, stock: 5, sku: `${v.sku}-x` })),
          }),
        ),
      );
      expect(statements).toBeLessThan(15);
    },
  );

  it('is all or nothing and names every error by its index', async () => {
    const { product: p } = await withOptions();
    const other = ok<Variant>(
      await addVariant(p.id, { options: { Size: 'M', Colour: 'Red' }, price: 30 }),
      201,
    );
    const first = p.variants[0]!;
    const res = await call(ctx, 'PATCH', `${base(p.id)}/variants/`, admin, {
      variants: [
        { id: first.id, price: '1.00' },
        { id: other.id, sku: first.sku },
        { id: 2_147_483_647, price: 1 },
        { id: other.id, price: 'x', options: { Size: 'S', Colour: 'Red' } },
      ],
    });
    const problem = expectProblem(res, 400, 'validation_error');
    expect(Object.keys(problem.errors!).sort()).toEqual([
      'variants.1.sku',
      'variants.2.id',
      'variants.3.id',
      'variants.3.options',
      'variants.3.price',
    ]);
    expect((await detail(p.id)).variants.map((v) => v.price)).toEqual(['100.00', '30.00']);
    const create = await call(ctx, 'POST', `${base(p.id)}/variants/bulk/`, admin, {
      variants: [
        { options: { Size: 'L', Colour: 'Red' }, price: 1 },
        { options: { Size: 'L', Colour: 'Red' }, price: 1 },
        { options: { Size: 'L', Colour: 'Blue' }, price: 1, sku: other.sku },
      ],
    });
    const created = expectProblem(create, 400, 'validation_error');
    expect(Object.keys(created.errors!).sort()).toEqual(['variants.1.options', 'variants.2.sku']);
    expect((await detail(p.id)).variants).toHaveLength(2);
    expectProblem(
      await call(ctx, 'PATCH', `${base(p.id)}/variants/`, admin, { variants: [] }),
      400,
      'validation_error',
    );
  });
});

describe('lists', () => {
  it('filter by option values, by any active variant’s price, and find an SKU', async () => {
    const { product: p, categorySlug } = await withOptions({ price: '100.00', stock: 0 });
    const { product: plain } = await product({ price: '300.00' });
    const cheap = ok<Variant>(
      await addVariant(p.id, {
        options: { Size: 'M', Colour: 'Blue' },
        price: '20.00',
        stock: 2,
        sku: unique('FIND-ME-'),
      }),
      201,
    );
    const ids = async (query: Record<string, string | number | boolean>) =>
      (await getPage(ctx, productsUrl({ category: categorySlug, ...query }))).results.map(
        (r) => r.id,
      );
    const url = (query: string) => `/api/products/?category=${categorySlug}&${query}`;
    const found = async (query: string) =>
      (await getPage(ctx, url(query))).results.map((r) => r.id);
    expect(await found('option=Colour:Blue')).toEqual([p.id]);
    expect(await found('option=Colour:Blue&option=Size:M')).toEqual([p.id]);
    expect(await found('option=Colour:Blue&option=Size:S')).toEqual([]);
    expect(await found('option=Colour:Green&option=Colour:Blue')).toEqual([p.id]);
    expect(await found('option=Colour:Green')).toEqual([]);
    expectProblem(await call(ctx, 'GET', url('option=Colour')), 400, 'validation_error', 'option');
    expectProblem(await call(ctx, 'GET', url('option=:Red')), 400, 'validation_error', 'option');
    const eleven = Array.from({ length: 11 }, (_, i) => `option=Colour:V${i}`).join('&');
    expectProblem(await call(ctx, 'GET', url(eleven)), 400, 'validation_error');
    // 20.00 and 100.00: a range between them finds nothing, one around either finds it.
    expect(await ids({ min_price: '30', max_price: '90' })).toEqual([]);
    expect(await ids({ min_price: '15', max_price: '25' })).toEqual([p.id]);
    expect(await ids({ min_price: '90', max_price: '110' })).toEqual([p.id]);
    expect(await ids({ min_price: '90' })).toEqual([p.id]);
    expect(await ids({ max_price: '25' })).toEqual([p.id]);
    expect(await ids({ in_stock: true })).toEqual([p.id]);
    // Deactivating the cheap variant takes it out of both.
    ok(await patchVariant(p.id, cheap.id, { is_active: false }));
    expect(await ids({ max_price: '25' })).toEqual([]);
    expect(await found('option=Colour:Blue')).toEqual([]);
    expect(await ids({ in_stock: true })).toEqual([]);
    ok(await patchVariant(p.id, cheap.id, { is_active: true }));
    // Search matches an SKU exactly, ignoring case.
    const sku = await getPage(ctx, productsUrl({ search: cheap.sku.toLowerCase() }));
    expect(sku.results.map((r) => r.id)).toEqual([p.id]);
    const prefix = await getPage(ctx, productsUrl({ search: cheap.sku.slice(0, -2) }));
    expect(prefix.results.map((r) => r.id)).not.toContain(p.id);
    expect(plain.id).not.toBe(p.id);
  });

  it('list low stock by variant, with the variants below the threshold', async () => {
    const { product: p } = await withOptions({ stock: 500 });
    const low = ok<Variant>(
      await addVariant(p.id, { options: { Size: 'M', Colour: 'Red' }, price: 30, stock: 1 }),
      201,
    );
    const rows = ok<Schemas['LowStockItem'][]>(
      await call(ctx, 'GET', '/api/products/low_stock/?threshold=2', admin),
    );
    const row = rows.find((r) => r.id === p.id);
    expect(row).toMatchObject({
      id: p.id,
      stock: 501,
      low_variants: [{ id: low.id, sku: low.sku, title: 'M / Red', stock: 1 }],
    });
    ok(await patchVariant(p.id, low.id, { is_active: false }));
    const after = ok<Schemas['LowStockItem'][]>(
      await call(ctx, 'GET', '/api/products/low_stock/?threshold=2', admin),
    );
    expect(after.map((r) => r.id)).not.toContain(p.id);
  });
});

describe.runIf(onPostgres())('races (PostgreSQL)', () => {
  it(
    'variant and product writes at once neither deadlock nor lose a stock change',
    { timeout: 60_000 },
    async () => {
      const { product: p } = await withOptions({ stock: 100 });
      const more = ok<{ variants: Variant[] }>(
        await call(ctx, 'POST', `${base(p.id)}/variants/bulk/`, admin, {
          variants: [
            { options: { Size: 'M', Colour: 'Red' }, price: 10, stock: 100 },
            { options: { Size: 'L', Colour: 'Red' }, price: 10, stock: 100 },
          ],
        }),
        201,
      ).variants;
      const ids = [p.variants[0]!.id, ...more.map((v) => v.id)];
      const work: Promise<{ statusCode: number; body: string }>[] = [];
      for (let i = 0; i < 10; i++) {
        // Bulk items in descending id order: the service still locks in ascending order.
        work.push(
          call(ctx, 'PATCH', `${base(p.id)}/variants/`, admin, {
            variants: [...ids].reverse().map((id) => ({ id, stock_adjustment: -1 })),
          }),
        );
        work.push(patchVariant(p.id, ids[i % 3]!, { stock_adjustment: 2 }));
        work.push(call(ctx, 'PATCH', `${base(p.id)}/`, admin, { name: `${p.name} ${i}` }));
        work.push(
          putOptions(p.id, [
            { name: 'Size', values: ['S', 'M', 'L'] },
            { name: 'Colour', values: ['Red', 'Blue', `C${i}`] },
          ]),
        );
      }
      for (const res of await Promise.all(work)) expect(res.statusCode, res.body).toBe(200);
      expect((await detail(p.id)).stock).toBe(300 - 30 + 20);
    },
  );

  it('two creates with one SKU at once: one 201, one 400 naming sku', async () => {
    const { product: a } = await withOptions();
    const { product: b } = await withOptions();
    const sku = unique('RACE-');
    const combos = [
      { Size: 'L', Colour: 'Red' },
      { Size: 'L', Colour: 'Blue' },
      { Size: 'M', Colour: 'Blue' },
    ];
    for (const [round, options] of combos.entries()) {
      const taken = `${sku}-${round}`;
      const results = await Promise.all([
        addVariant(a.id, { options, price: 1, sku: taken }),
        addVariant(b.id, { options, price: 1, sku: taken.toLowerCase() }),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([201, 400]);
      const loser = results.find((r) => r.statusCode === 400)!;
      expectProblem(loser, 400, 'validation_error', 'sku');
    }
  });
});
