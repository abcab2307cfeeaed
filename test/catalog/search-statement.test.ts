import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.js';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import {
  call,
  catalogActors,
  type Category,
  countQueries,
  getPage,
  productsUrl,
} from '../helpers/catalog.js';
import type { TestUser } from '../helpers/factories.js';
import { makeCategory, makeProduct } from '../helpers/factories.js';

// A search is one statement (its matches found once, counted and paged) over the stored
// lower-cased search_text (migration 0012). These tests hold it to the contract: what ILIKE
// on the name and description finds, counted exactly, in every ordering, following edits.

let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp();
  ({ admin } = await catalogActors(ctx));
});
afterAll(async () => ctx?.close());

const ORDERINGS = ['price', '-price', 'name', '-name', 'created_at', '-created_at'] as const;

type Listed = { id: number; price: string; name: string; created_at: string };

/** The ids of these products in an ordering (then by id, the same way), compared in JavaScript. */
function inOrder(products: Listed[], ordering: (typeof ORDERINGS)[number]) {
  const key = ordering.replace('-', '') as 'price' | 'name' | 'created_at';
  return [...products]
    .sort((a, b) => {
      const [x, y] = key === 'price' ? [Number(a.price), Number(b.price)] : [a[key], b[key]];
      const byKey = x < y ? -1 : x > y ? 1 : 0;
      return (byKey || a.id - b.id) * (ordering.startsWith('-') ? -1 : 1);
    })
    .map((p) => p.id);
}

/** Every id of a search in a category, read page by page (each page's count checked). */
async function allPages(
  category: Category,
  text: string,
  query: Record<string, string | number> = {},
) {
  const ids: number[] = [];
  let count = -1;
  for (let page = 1; ; page++) {
    const found = await getPage(
      ctx,
      productsUrl({ search: text, category: category.slug, page_size: 3, page, ...query }),
    );
    if (count === -1) count = found.count;
    expect(found.count).toBe(count);
    ids.push(...found.results.map((p) => p.id));
    if (!found.next) break;
  }
  expect(ids).toHaveLength(count);
  return ids;
}

describe('a search in one statement', () => {
  it('reads a new search (its page and its exact count) in one query, its typo fallback in two', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('one');
    for (let i = 0; i < 4; i++)
      await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} Gadget ${i}` });
    let page: Awaited<ReturnType<typeof getPage>> | undefined;
    expect(
      await countQueries(
        ctx,
        async () =>
          (page = await getPage(ctx, productsUrl({ search: `${t} gadget`, page_size: 3 }))),
      ),
    ).toBe(1);
    expect(page!.count).toBe(4);
    expect(page!.results).toHaveLength(3);
    // A page past the end of a search not seen before: still one query (and a 404).
    let status = 0;
    expect(
      await countQueries(ctx, async () => {
        status = (
          await call(ctx, 'GET', productsUrl({ search: `${t} GADGET`, page_size: 3, page: 3 }))
        ).statusCode;
      }),
    ).toBe(1);
    expect(status).toBe(404);
    // Nothing matches exactly: a second statement reads the similar names with their count.
    expect(
      await countQueries(
        ctx,
        async () =>
          (page = await getPage(
            ctx,
            productsUrl({ search: `${t} gadgt`, category: category.slug }),
          )),
      ),
    ).toBe(2);
    expect(page!.count).toBe(4);
    expect(page!.results).toHaveLength(4);
    // A typo's page past the end, before any other page of it: 404, and the count taken on
    // its own is the one the next page reports.
    const typo = (page: number) =>
      productsUrl({ search: `${t} gadgett`, category: category.slug, page_size: 3, page });
    expect((await call(ctx, 'GET', typo(3))).statusCode).toBe(404);
    const second = await getPage(ctx, typo(2));
    expect(second.count).toBe(4);
    expect(second.results).toHaveLength(1);
  });

  it('orders and counts the matches in every ordering, page after page', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('ord');
    const made = [];
    for (const [name, price] of [
      ['Delta lamp', 30],
      ['alpha LAMP', 10],
      ['Charlie', 20],
      ['bravo lamp', 30],
      ['Echo lamp', 5],
    ] as const) {
      made.push(
        await makeProduct(
          { ctx, admin, categoryId: category.id },
          {
            name: `${t} ${name}`,
            price,
            description: name === 'Charlie' ? 'A lamp, described' : '',
          },
        ),
      );
    }
    const found = await getPage(
      ctx,
      productsUrl({ search: `${t} lamp`, category: category.slug, page_size: 100 }),
    );
    expect(found.count).toBe(5);
    for (const ordering of ORDERINGS) {
      const expected = inOrder(found.results, ordering);
      if (ordering.includes('name')) {
        // PostgreSQL's collation orders the names; ours compares code units: check it only
        // where the two agree (the names differ in their first letter after the token).
        expect(new Set(await allPages(category, `${t} lamp`, { ordering }))).toEqual(
          new Set(expected),
        );
      } else {
        expect(await allPages(category, `${t} lamp`, { ordering }), ordering).toEqual(expected);
      }
    }
    // No ordering: names holding every term first, newest first; then the description-only match.
    const charlie = made[2]!;
    const ranked = await allPages(category, `${t} lamp`);
    expect(ranked.at(-1)).toBe(charlie.id);
    expect(ranked.slice(0, 4)).toEqual(
      made
        .filter((p) => p.id !== charlie.id)
        .map((p) => p.id)
        .reverse(),
    );

    // A typo ("lampp" occurs nowhere): the similar names, in every ordering, page after page
    // (the first page with its count from the fallback's statement, the later ones under the
    // count cached from it).
    const lamps = made.filter((p) => p.id !== charlie.id);
    for (const ordering of ORDERINGS) {
      const expected = inOrder(lamps, ordering);
      const ids = await allPages(category, `${t} lampp`, { ordering });
      if (ordering.includes('name')) expect(new Set(ids)).toEqual(new Set(expected));
      else expect(ids, ordering).toEqual(expected);
    }
    // No ordering: the most similar names first (here all alike), then the newest.
    expect(await allPages(category, `${t} lampp`)).toEqual(lamps.map((p) => p.id).reverse());
  });

  it('finds exactly what ILIKE on the name and the description finds, in any letter case', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('ci');
    const texts = [
      ['Café CRÈME', 'ÉCLAIR au chocolat'],
      ['STRASSE', 'Straße'],
      ['İstanbul lamp', 'ǅ digraph'],
      ['Ωmega', 'σίγμα ΣΊΓΜΑ'],
      ['plain', 'nothing special'],
    ];
    for (const [name, description] of texts) {
      await makeProduct(
        { ctx, admin, categoryId: category.id },
        { name: `${t} ${name}`, description },
      );
    }
    for (const term of [
      'café',
      'CAFÉ',
      'crème',
      'éclair',
      'straße',
      'STRASSE',
      'strasse',
      'i̇stanbul',
      'İSTANBUL',
      'ǆ',
      'ǅ',
      'ωmega',
      'ΩMEGA',
      'σίγμα',
      'ΣΊΓΜΑ',
      'a',
      'É',
    ]) {
      const ilike = await queryRows<{ id: number }>(
        ctx.database.db,
        sql`select id from products where category_id = ${category.id} and is_active
            and (name::text || ' ' || description) ilike ${`%${term}%`} order by id`,
      );
      const page = await getPage(
        ctx,
        productsUrl({ search: `${t} ${term}`, category: category.slug, page_size: 100 }),
      );
      const expected = ilike.map((r) => r.id);
      if (expected.length) {
        expect(
          page.results.map((p) => p.id).sort((a, b) => a - b),
          term,
        ).toEqual(expected);
        expect(page.count, term).toBe(expected.length);
      } else {
        // Nothing matches exactly: whatever the typo fallback finds, it says so (no exact match claimed).
        expect(
          page.results.every((p) => !expected.includes(p.id)),
          term,
        ).toBe(true);
      }
    }
  });

  it('follows edits of the name and the description', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('ed');
    const product = await makeProduct(
      { ctx, admin, categoryId: category.id },
      { name: `${t} Old Name`, description: 'Plain' },
    );
    const ids = async (text: string) =>
      (
        await getPage(ctx, productsUrl({ search: `${t} ${text}`, category: category.slug }))
      ).results.map((p) => p.id);
    expect(await ids('old')).toEqual([product.id]);
    expect(
      (await call(ctx, 'PATCH', `/api/products/${product.id}/`, admin, { name: `${t} New NAME` }))
        .statusCode,
    ).toBe(200);
    expect(await ids('new name')).toEqual([product.id]);
    expect(await ids('plain')).toEqual([product.id]);
    expect(
      (await call(ctx, 'PATCH', `/api/products/${product.id}/`, admin, { description: 'Striped' }))
        .statusCode,
    ).toBe(200);
    expect(await ids('stripe')).toEqual([product.id]);
    expect(await ids('new plain')).not.toContain(product.id);
  });

  it('follows deactivation, reactivation and deletion, with and without other filters', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('lifecycle');
    const made: { id: number }[] = [];
    for (const name of ['Kept', 'Toggled', 'Deleted'])
      made.push(await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} ${name}` }));
    // Alone (product_search only) and with a filter (joined to products).
    const search = async (query: Record<string, string | boolean> = {}) =>
      (await getPage(ctx, productsUrl({ search: t, ordering: 'name', ...query }))).results.map((p) => p.id);
    const all = made.map((p) => p.id);
    expect(await search()).toEqual([made[2]!.id, made[0]!.id, made[1]!.id]);
    expect(await search({ category: category.slug })).toEqual([made[2]!.id, made[0]!.id, made[1]!.id]);

    const patch = (id: number, body: object) => call(ctx, 'PATCH', `/api/products/${id}/`, admin, body);
    expect((await patch(made[1]!.id, { is_active: false })).statusCode).toBe(200);
    expect(await search()).toEqual([made[2]!.id, made[0]!.id]);
    expect(await search({ category: category.slug })).toEqual([made[2]!.id, made[0]!.id]);
    // Staff still find it among all products.
    const staff = await call(ctx, 'GET', productsUrl({ search: t, include_inactive: true, ordering: 'name' }), admin);
    expect((staff.json() as { results: { id: number }[] }).results.map((p) => p.id).sort()).toEqual([...all].sort());

    expect((await patch(made[1]!.id, { is_active: true })).statusCode).toBe(200);
    expect(await search()).toEqual([made[2]!.id, made[0]!.id, made[1]!.id]);

    expect((await call(ctx, 'DELETE', `/api/products/${made[2]!.id}/`, admin)).statusCode).toBe(204);
    expect(await search()).toEqual([made[0]!.id, made[1]!.id]);
    expect(await search({ in_stock: true })).toEqual([made[0]!.id, made[1]!.id]);
    // A stock change (the checkout's) leaves the search row alone and the product findable.
    expect((await patch(made[0]!.id, { stock: 0 })).statusCode).toBe(200);
    expect(await search({ in_stock: true })).toEqual([made[1]!.id]);
    expect(await search()).toEqual([made[0]!.id, made[1]!.id]);
  });
});
