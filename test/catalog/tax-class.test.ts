import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taxClasses } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { call, catalogActors, type ProductDetail, sentStatements } from '../helpers/catalog.js';
import type { Schemas } from '../helpers/client.js';
import { makeCategory, makeProduct, type Shop, type TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { ok } from '../helpers/shop.js';

/** API-v2 §2 "Tax", the catalog side: a product's and a variant's tax class, read and written. */
type Variant = Schemas['Variant'];
let ctx: TestContext;
let admin: TestUser;
let user: TestUser;
let shop: Shop;
let reduced: number;
let zero: number;
beforeAll(async () => {
  ctx = await buildTestApp();
  ({ admin, user } = await catalogActors(ctx));
  shop = { ctx, admin, categoryId: (await makeCategory(ctx, admin)).id };
  // Tax classes are made directly: their admin API is tested on its own.
  const made = await ctx.database.db
    .insert(taxClasses)
    .values([
      { name: unique('GST 5% '), rate: '5.00' },
      { name: unique('GST 0% '), rate: '0.00' },
    ])
    .returning({ id: taxClasses.id });
  [reduced, zero] = made.map((r) => r.id) as [number, number];
});
afterAll(async () => ctx?.close());

const base = (id: number | string) => `/api/products/${id}`;
const detail = async (id: number | string, as: TestUser | null = admin) =>
  ok<ProductDetail>(await call(ctx, 'GET', `${base(id)}/`, as));
const MISSING = 2_000_000_000;

describe('a product’s tax class', () => {
  it('is null (the default class) unless set, on the product and its variants, for everyone', async () => {
    const p = await makeProduct(shop);
    expect(p.tax_class).toBeNull();
    expect(p.variants.map((v) => v.tax_class)).toEqual([null]);
    const seen = await detail(p.slug, user);
    expect(seen.tax_class).toBeNull();
    expect(seen.variants[0]!.tax_class).toBeNull();
  });

  it('is set on create and changed by PATCH and PUT; null goes back to the default', async () => {
    const p = await makeProduct(shop, { tax_class: reduced });
    expect(p.tax_class).toBe(reduced);
    expect((await detail(p.id, null)).tax_class).toBe(reduced);
    const patched = ok<ProductDetail>(
      await call(ctx, 'PATCH', `${base(p.id)}/`, admin, { tax_class: zero }),
    );
    expect(patched.tax_class).toBe(zero);
    // A PATCH of other fields keeps it.
    expect(
      ok<ProductDetail>(
        await call(ctx, 'PATCH', `${base(p.id)}/`, admin, { name: unique('Renamed ') }),
      ).tax_class,
    ).toBe(zero);
    const put = ok<ProductDetail>(
      await call(ctx, 'PUT', `${base(p.id)}/`, admin, {
        name: p.name,
        price: '100.00',
        category: shop.categoryId,
        tax_class: null,
      }),
    );
    expect(put.tax_class).toBeNull();
    expect((await detail(p.id)).tax_class).toBeNull();
  });

  it('must name a tax class: 400 naming tax_class with the other wrong fields, nothing written', async () => {
    const body = expectProblem(
      await call(ctx, 'POST', '/api/products/', admin, {
        name: unique('Taxless '),
        price: '-3',
        category: shop.categoryId,
        tax_class: MISSING,
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(body.errors!).sort()).toEqual(['price', 'tax_class']);
    expect(body.errors!.tax_class![0]).toContain(String(MISSING));
    const p = await makeProduct(shop, { tax_class: reduced });
    expectProblem(
      await call(ctx, 'PATCH', `${base(p.id)}/`, admin, { tax_class: MISSING }),
      400,
      'validation_error',
      'tax_class',
    );
    for (const wrong of [0, -1, 'GST', 1.5, true]) {
      expectProblem(
        await call(ctx, 'PATCH', `${base(p.id)}/`, admin, { tax_class: wrong }),
        400,
        'validation_error',
        'tax_class',
      );
    }
    expect((await detail(p.id)).tax_class).toBe(reduced);
  });

  it('falls back to the default when its class is deleted', async () => {
    const [gone] = await ctx.database.db
      .insert(taxClasses)
      .values({ name: unique('Short-lived '), rate: '12.00' })
      .returning({ id: taxClasses.id });
    const p = await makeProduct(shop, { tax_class: gone!.id });
    const variant = ok<Variant>(
      await call(ctx, 'PATCH', `${base(p.id)}/variants/${p.variants[0]!.id}/`, admin, {
        tax_class: gone!.id,
      }),
    );
    expect(variant.tax_class).toBe(gone!.id);
    await ctx.database.db.delete(taxClasses).where(eq(taxClasses.id, gone!.id));
    const after = await detail(p.id);
    expect(after.tax_class).toBeNull();
    expect(after.variants[0]!.tax_class).toBeNull();
  });

  it('costs the product page no extra statement', async () => {
    const plain = await makeProduct(shop);
    const taxed = await makeProduct(shop, { tax_class: reduced });
    await detail(plain.id, user);
    await detail(taxed.id, user);
    const plainSent = await sentStatements(ctx, () => detail(plain.id, user));
    const taxedSent = await sentStatements(ctx, () => detail(taxed.id, user));
    expect(taxedSent).toEqual(plainSent);
    // The class is a column of the rows the page reads anyway: no query of tax_classes.
    expect(taxedSent.join('\n')).not.toContain('tax_classes');
  });
});

describe('a variant’s tax class', () => {
  it('is set on create (one and bulk), changed by PATCH (one and bulk), null back to the product’s', async () => {
    const p = await makeProduct(shop, { tax_class: reduced });
    ok(
      await call(ctx, 'PUT', `${base(p.id)}/options/`, admin, {
        options: [{ name: 'Size', values: ['S', 'M', 'L', 'XL'] }],
      }),
    );
    const m = ok<Variant>(
      await call(ctx, 'POST', `${base(p.id)}/variants/`, admin, {
        options: { Size: 'M' },
        price: 10,
        tax_class: zero,
      }),
      201,
    );
    expect(m.tax_class).toBe(zero);
    const bulk = ok<{ variants: Variant[] }>(
      await call(ctx, 'POST', `${base(p.id)}/variants/bulk/`, admin, {
        variants: [
          { options: { Size: 'L' }, price: 10 },
          { options: { Size: 'XL' }, price: 10, tax_class: reduced },
        ],
      }),
      201,
    ).variants;
    expect(bulk.map((v) => v.tax_class)).toEqual([null, reduced]);
    expect(
      ok<Variant>(
        await call(ctx, 'PATCH', `${base(p.id)}/variants/${m.id}/`, admin, { tax_class: null }),
      ).tax_class,
    ).toBeNull();
    // A PATCH of other fields keeps it.
    expect(
      ok<Variant>(
        await call(ctx, 'PATCH', `${base(p.id)}/variants/${bulk[1]!.id}/`, admin, { stock: 4 }),
      ).tax_class,
    ).toBe(reduced);
    const patched = ok<{ variants: Variant[] }>(
      await call(ctx, 'PATCH', `${base(p.id)}/variants/`, admin, {
        variants: [
          { id: bulk[0]!.id, tax_class: zero },
          { id: bulk[1]!.id, price: 11 },
        ],
      }),
    ).variants;
    expect(patched.map((v) => [v.tax_class, v.price])).toEqual([
      [zero, '10.00'],
      [reduced, '11.00'],
    ]);
    const seen = await detail(p.id, user);
    expect(seen.tax_class).toBe(reduced);
    expect(Object.fromEntries(seen.variants.map((v) => [v.options.Size, v.tax_class]))).toEqual({
      S: null,
      M: null,
      L: zero,
      XL: reduced,
    });
  });

  it('must name a tax class: 400 naming each variant’s tax_class with its other wrong fields', async () => {
    const p = await makeProduct(shop);
    ok(
      await call(ctx, 'PUT', `${base(p.id)}/options/`, admin, {
        options: [{ name: 'Size', values: ['S', 'M', 'L'] }],
      }),
    );
    const one = expectProblem(
      await call(ctx, 'POST', `${base(p.id)}/variants/`, admin, {
        options: { Size: 'M' },
        price: 'x',
        tax_class: MISSING,
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(one.errors!).sort()).toEqual(['price', 'tax_class']);
    const bulk = expectProblem(
      await call(ctx, 'POST', `${base(p.id)}/variants/bulk/`, admin, {
        variants: [
          { options: { Size: 'M' }, price: 10, tax_class: zero },
          { options: { Size: 'L' }, price: 10, tax_class: MISSING },
        ],
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(bulk.errors!)).toEqual(['variants.1.tax_class']);
    const v = p.variants[0]!;
    expectProblem(
      await call(ctx, 'PATCH', `${base(p.id)}/variants/${v.id}/`, admin, { tax_class: MISSING }),
      400,
      'validation_error',
      'tax_class',
    );
    expectProblem(
      await call(ctx, 'PATCH', `${base(p.id)}/variants/${v.id}/`, admin, { tax_class: 'zero' }),
      400,
      'validation_error',
      'tax_class',
    );
    const patch = expectProblem(
      await call(ctx, 'PATCH', `${base(p.id)}/variants/`, admin, {
        variants: [{ id: v.id, tax_class: MISSING, price: -1 }],
      }),
      400,
      'validation_error',
    );
    expect(Object.keys(patch.errors!).sort()).toEqual(['variants.0.price', 'variants.0.tax_class']);
    const after = await detail(p.id);
    expect(after.variants.map((x) => x.tax_class)).toEqual([null]);
  });
});
