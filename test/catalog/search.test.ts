import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

type Query = Record<string, string | number | boolean>;

/** Ids found by a search, scoped to one category so that other tests' products never count. */
async function search(category: Category, text: string, query: Query = {}) {
  const page = await getPage(
    ctx,
    productsUrl({ search: text, category: category.slug, page_size: 100, ...query }),
  );
  expect(page.count).toBe(page.results.length);
  return page.results.map((p) => p.id);
}

/** Ids found by a search over the whole catalogue (the text must hold a unique token). */
async function searchAll(text: string, query: Query = {}) {
  const page = await getPage(ctx, productsUrl({ search: text, page_size: 100, ...query }));
  return page.results.map((p) => p.id);
}

const idsOf = (...list: ProductDetail[]) => list.map((p) => p.id);
const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

describe('search', () => {
  it('requires every term, each in the name or the description', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('w');
    const both = await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} wireless mouse` });
    const split = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} mouse`,
      description: 'Wireless, 2.4 GHz',
    });
    const onlyMouse = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} mouse`,
      description: 'Wired',
    });
    const onlyWireless = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} wireless keyboard`,
    });

    expect(sorted(await searchAll(`${t} wireless mouse`))).toEqual(sorted(idsOf(both, split)));
    expect(sorted(await searchAll(`${t} mouse`))).toEqual(sorted(idsOf(both, split, onlyMouse)));
    expect(sorted(await searchAll(`${t} wireless`))).toEqual(
      sorted(idsOf(both, split, onlyWireless)),
    );
    expect(sorted(await searchAll(`  ${t}\tkeyboard   wireless `))).toEqual(idsOf(onlyWireless));
    // A term may sit inside a word.
    expect(sorted(await searchAll(`${t} eyboar`))).toEqual(idsOf(onlyWireless));
    expect(await search(category, `${t} mouse wired`)).toEqual(idsOf(onlyMouse));
  });

  it('ignores case, in the query and in the data', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('c');
    const product = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} GAMING Chair`,
      description: 'ErgoNomic',
    });
    for (const text of [
      `${t} gaming chair`,
      `${t.toUpperCase()} GaMiNg`,
      `${t} ergonomic`,
      `${t} CHAIR ERGONOMIC`,
    ]) {
      expect(await searchAll(text), text).toEqual(idsOf(product));
    }
  });

  it('ranks name matches before description-only matches when no ordering is given', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('r');
    // Created first, so that newest-first alone would put it last.
    const byName = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} Leather Wallet`,
      price: 50,
    });
    const byDescription = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} Card holder`,
      description: 'Slim leather wallet for cards',
      price: 10,
    });
    const partly = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} Leather belt`,
      description: 'Matches the wallet',
      price: 20,
    });
    const byName2 = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} wallet, leather`,
      price: 30,
    });

    // Name matches first (newest first among them), then the rest (newest first).
    expect(await searchAll(`${t} leather wallet`)).toEqual(
      idsOf(byName2, byName, partly, byDescription),
    );
    // An explicit ordering replaces the ranking.
    expect(await searchAll(`${t} leather wallet`, { ordering: 'price' })).toEqual(
      idsOf(byDescription, partly, byName2, byName),
    );
    expect(await searchAll(`${t} leather wallet`, { ordering: '-created_at' })).toEqual(
      idsOf(byName2, partly, byDescription, byName),
    );
    expect(await searchAll(`${t} leather wallet`, { ordering: 'created_at' })).toEqual(
      idsOf(byName, byDescription, partly, byName2),
    );
  });

  it('pages search results with the count of matches', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('p');
    const made = [];
    for (let i = 0; i < 3; i++)
      made.push(await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} item ${i}` }));
    await makeProduct({ ctx, admin, categoryId: category.id }, { name: unique('Other ') });
    const first = await getPage(ctx, productsUrl({ search: t, page_size: 2 }));
    expect(first.count).toBe(3);
    expect(first.results).toHaveLength(2);
    expect(Object.fromEntries(new URL(first.next!).searchParams)).toEqual({
      search: t,
      page_size: '2',
      page: '2',
    });
    const second = await getPage(ctx, productsUrl({ search: t, page_size: 2, page: 2 }));
    expect(second.results).toHaveLength(1);
    expect(second.next).toBeNull();
    expectProblem(
      await call(ctx, 'GET', productsUrl({ search: t, page_size: 2, page: 3 })),
      404,
      'not_found',
    );
  });

  it('combines search with the other filters', async () => {
    const category = await makeCategory(ctx, admin);
    const other = await makeCategory(ctx, admin);
    const t = unique('m');
    const cheap = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} lamp`,
      price: 10,
      stock: 0,
    });
    const dear = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} lamp deluxe`,
      price: 99,
      stock: 3,
    });
    const elsewhere = await makeProduct({ ctx, admin, categoryId: other.id }, { name: `${t} lamp`, price: 10 });
    const hidden = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} lamp`,
      is_active: false,
    });
    expect(sorted(await searchAll(`${t} lamp`))).toEqual(sorted(idsOf(cheap, dear, elsewhere)));
    expect(await search(category, `${t} lamp`, { ordering: 'price' })).toEqual(idsOf(cheap, dear));
    expect(await search(category, `${t} lamp`, { max_price: '50' })).toEqual(idsOf(cheap));
    expect(await search(category, `${t} lamp`, { in_stock: true })).toEqual(idsOf(dear));
    expect(await searchAll(`${t} lamp`)).not.toContain(hidden.id);
  });

  it('treats a blank search as no search', async () => {
    const category = await makeCategory(ctx, admin);
    const a = await makeProduct({ ctx, admin, categoryId: category.id });
    const b = await makeProduct({ ctx, admin, categoryId: category.id });
    for (const text of ['', '   ', '\t']) {
      expect(await search(category, text)).toEqual(idsOf(b, a));
    }
  });

  it('refuses a search longer than 200 characters', async () => {
    const res = await call(ctx, 'GET', productsUrl({ search: 'a'.repeat(201) }));
    expectProblem(res, 400, 'validation_error', 'search');
  });
});

describe('typo tolerance', () => {
  it('falls back to similar names when nothing matches exactly', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('y');
    const headphones = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} Wireless Headphones`,
    });
    const keyboard = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} Mechanical Keyboard`,
    });

    expect(await search(category, 'hedphones')).toEqual(idsOf(headphones));
    expect(await search(category, `${t} hedphones`)).toEqual(idsOf(headphones));
    expect(await search(category, 'HEADPHONS')).toEqual(idsOf(headphones));
    expect(await search(category, 'keybord')).toEqual(idsOf(keyboard));
    expect(await search(category, 'wireles hedphones')).toEqual(idsOf(headphones));
    // Nothing resembles it: an empty page, not everything.
    expect(await search(category, 'zzqxv')).toEqual([]);
    // Typo tolerance works without a category too, when the query holds a unique token.
    expect(await searchAll(`${t} hedphones`)).toEqual(idsOf(headphones));
  });

  it('does not fall back when something matches exactly', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('z');
    const exact = await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} Headphones` });
    const similar = await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} Headphone` });
    expect(await search(category, 'headphones')).toEqual(idsOf(exact));
    expect(await search(category, 'headphone')).toEqual(idsOf(similar, exact));
    expect(await search(category, 'headphons')).toContain(exact.id);
  });
});

describe('search strings are literal text', () => {
  it('matches %, _, quotes, backslashes and SQL fragments literally', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('l');
    const percent = await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} Sale 50% off` });
    const underscore = await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} cable a_b` });
    const axb = await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} cable axb` });
    const quote = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} O'Reilly "Head First"`,
    });
    const backslash = await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} path C:\\temp\\x` });
    const bobby = await makeProduct({ ctx, admin, categoryId: category.id }, {
      name: `${t} Bobby`,
      description: "Robert'); drop table products; --",
    });
    const plain = await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} plain 500 off` });

    expect(await search(category, '50%')).toEqual(idsOf(percent));
    expect(await search(category, '%')).toEqual(idsOf(percent));
    expect(await search(category, '%%')).toEqual([]);
    expect(await search(category, 'a_b')).toEqual(idsOf(underscore));
    expect(await search(category, '_')).toEqual(idsOf(underscore));
    expect(await search(category, 'axb')).toEqual(idsOf(axb));
    expect(await search(category, "O'Reilly")).toEqual(idsOf(quote));
    // In the name first, then in the description only.
    expect(await search(category, "'")).toEqual(idsOf(quote, bobby));
    expect(await search(category, '"Head First"')).toEqual(idsOf(quote));
    expect(await search(category, 'C:\\temp\\x')).toEqual(idsOf(backslash));
    expect(await search(category, '\\')).toEqual(idsOf(backslash));
    expect(await search(category, "'); drop table products; --")).toEqual(idsOf(bobby));
    expect(await search(category, '500')).toEqual(idsOf(plain));

    for (const text of [
      "'; drop table products; --",
      "' or 1=1 --",
      '" OR ""="',
      '\\',
      '%_%',
      '$1',
      "';select pg_sleep(5);--",
      'NULL',
    ]) {
      const res = await call(ctx, 'GET', productsUrl({ search: text, category: category.slug }));
      expect(res.statusCode, `${JSON.stringify(text)}: ${res.body}`).toBe(200);
    }
    // The table is still there, and so are the products.
    expect(await search(category, t)).toHaveLength(7);
  });

  it('answers 400, never 500, for a NUL character, which PostgreSQL text cannot hold', async () => {
    const category = await makeCategory(ctx, admin);
    for (const path of [
      productsUrl({ search: 'a\u0000b' }),
      productsUrl({ category: 'a\u0000b' }),
      '/api/products/a%00b/',
      '/api/categories/a%00b/',
    ]) {
      expectProblem(await call(ctx, 'GET', path), 400, 'bad_request');
    }
    const product = await call(ctx, 'POST', '/api/products/', admin, {
      name: 'a\u0000b',
      price: 1,
      category: category.id,
    });
    expectProblem(product, 400, 'bad_request');
    expectProblem(
      await call(ctx, 'POST', '/api/categories/', admin, { name: 'a\u0000b' }),
      400,
      'bad_request',
    );
  });

  it('keeps special characters in page links', async () => {
    const category = await makeCategory(ctx, admin);
    const t = unique('q');
    await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} 100% & "more"` });
    await makeProduct({ ctx, admin, categoryId: category.id }, { name: `${t} 100% & "more" too` });
    const text = `${t} 100% & "more"`;
    const first = await getPage(ctx, productsUrl({ search: text, page_size: 1 }));
    expect(first.count).toBe(2);
    const next = new URL(first.next!);
    expect(next.searchParams.get('search')).toBe(text);
    const second = await getPage(ctx, next.pathname + next.search);
    expect(second.results).toHaveLength(1);
    expect(second.results[0]!.id).not.toBe(first.results[0]!.id);
  });
});
