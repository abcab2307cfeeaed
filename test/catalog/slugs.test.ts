/**
 * Slugs are at most 80 characters including any `-N` suffix (API-v2 §0), so that a
 * resource with a long name stays reachable by its slug; slugs made by earlier versions
 * (up to 100 characters plus a suffix) stay reachable too.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { categories, products } from '../../src/db/schema/index.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { call, catalogActors, type Category } from '../helpers/catalog.js';
import type { TestUser } from '../helpers/factories.js';
import { makeCategory, makeProduct } from '../helpers/factories.js';

let ctx: TestContext;
let admin: TestUser;
let category: Category;

beforeAll(async () => {
  ctx = await buildTestApp();
  ({ admin } = await catalogActors(ctx));
  category = await makeCategory(ctx, admin);
});
afterAll(async () => ctx?.close());

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** A name of `length` characters, unique to this test run, made of words. */
function longName(length: number): string {
  return `${unique('Long ')} ${'handmade cotton '.repeat(20)}`.slice(0, length).trim();
}

function expectShortSlugs(slugs: string[]) {
  expect(new Set(slugs).size).toBe(slugs.length);
  for (const slug of slugs) {
    expect(slug.length, slug).toBeLessThanOrEqual(80);
    expect(slug).toMatch(SLUG);
  }
}

describe('slugs of long names', () => {
  it('makes two products of the same 130-character name readable, editable and deletable', async () => {
    const name = longName(130);
    const first = await makeProduct({ ctx, admin, categoryId: category.id }, { name });
    const second = await makeProduct({ ctx, admin, categoryId: category.id }, { name });
    expectShortSlugs([first.slug, second.slug]);
    expect(second.slug).toMatch(/-2$/);
    for (const product of [first, second]) {
      const bySlug = await call(ctx, 'GET', `/api/products/${product.slug}/`);
      expect(bySlug.statusCode, bySlug.body).toBe(200);
      expect(bySlug.json()).toMatchObject({ id: product.id, name });
      expect((await call(ctx, 'GET', `/api/products/${product.id}/`)).statusCode).toBe(200);
      const edited = await call(ctx, 'PATCH', `/api/products/${product.id}/`, admin, { description: 'Edited.' });
      expect(edited.statusCode, edited.body).toBe(200);
      expect(edited.json()).toMatchObject({ slug: product.slug, description: 'Edited.' });
      expect((await call(ctx, 'DELETE', `/api/products/${product.id}/`, admin)).statusCode).toBe(204);
      expect((await call(ctx, 'GET', `/api/products/${product.slug}/`)).statusCode).toBe(404);
    }
  });

  it('makes three categories whose 100-character names share a slug readable, editable and deletable', async () => {
    const stem = longName(99);
    const made = [];
    for (const mark of ['!', '?', '.']) made.push(await makeCategory(ctx, admin, { name: `${stem}${mark}` }));
    expectShortSlugs(made.map((c) => c.slug));
    for (const [i, cat] of made.entries()) {
      const url = `/api/categories/${cat.slug}/`;
      const read = await call(ctx, 'GET', url);
      expect(read.statusCode, read.body).toBe(200);
      expect(read.json()).toMatchObject({ id: cat.id });
      const patched = await call(ctx, 'PATCH', url, admin, { description: `Patched ${i}.` });
      expect(patched.statusCode, patched.body).toBe(200);
      const put = await call(ctx, 'PUT', url, admin, { name: `${stem.slice(0, 90)} #${i}`, description: 'Put.' });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ slug: cat.slug, description: 'Put.' });
      const products = await call(ctx, 'GET', `/api/products/?category=${cat.slug}`);
      expect(products.statusCode, products.body).toBe(200);
      expect((await call(ctx, 'DELETE', url, admin)).statusCode).toBe(204);
      expect((await call(ctx, 'GET', url)).statusCode).toBe(404);
    }
  });

  it('keeps slugs within 80 characters when the suffix reaches two digits', async () => {
    const stem = longName(99);
    const slugs: string[] = [];
    for (const mark of ['!', '?', '.', ',', ';', ':', '*', '+', '~', '=', '^', '"']) {
      slugs.push((await makeCategory(ctx, admin, { name: `${stem}${mark}` })).slug);
    }
    expectShortSlugs(slugs);
    expect(slugs.slice(-3).map((s) => s.slice(s.lastIndexOf('-')))).toEqual(['-10', '-11', '-12']);
    for (const slug of slugs) expect((await call(ctx, 'GET', `/api/categories/${slug}/`)).statusCode).toBe(200);
  });
});

describe('slugs made by earlier versions', () => {
  it('stay reachable: a 104-character category slug and a 220-character product slug', async () => {
    const cat = await makeCategory(ctx, admin);
    const oldCategorySlug = `${unique('old')}-${'y'.repeat(100)}`.slice(0, 100) + '-12';
    await ctx.database.db.update(categories).set({ slug: oldCategorySlug }).where(eq(categories.id, cat.id));
    const url = `/api/categories/${oldCategorySlug}/`;
    const read = await call(ctx, 'GET', url);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ id: cat.id, slug: oldCategorySlug });
    expect((await call(ctx, 'PATCH', url, admin, { description: 'Still here.' })).statusCode).toBe(200);

    const product = await makeProduct({ ctx, admin, categoryId: cat.id });
    const oldProductSlug = `${unique('old')}-${'z'.repeat(220)}`.slice(0, 220);
    await ctx.database.db.update(products).set({ slug: oldProductSlug }).where(eq(products.id, product.id));
    const detail = await call(ctx, 'GET', `/api/products/${oldProductSlug}/`);
    expect(detail.statusCode, detail.body).toBe(200);
    expect(detail.json()).toMatchObject({ id: product.id });

    expect((await call(ctx, 'DELETE', `/api/products/${product.id}/`, admin)).statusCode).toBe(204);
    expect((await call(ctx, 'DELETE', url, admin)).statusCode).toBe(204);
  });
});
