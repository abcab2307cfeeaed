import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestContext, unique } from '../helpers/app.js';
import { call, catalogActors, type Category, getPage, type Page } from '../helpers/catalog.js';
import type { TestUser } from '../helpers/factories.js';
import { expectProblem } from '../helpers/problems.js';
import { makeCategory, makeProduct } from '../helpers/factories.js';

let ctx: TestContext;
let admin: TestUser;
let user: TestUser;
beforeAll(async () => {
  ctx = await buildTestApp();
  ({ admin, user } = await catalogActors(ctx));
});
afterAll(async () => ctx?.close());

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const url = (slug: string) => `/api/categories/${encodeURIComponent(slug)}/`;

/** A root with two children, the first of which has a child: three levels. */
async function makeTree() {
  const token = unique('t');
  const root = await makeCategory(ctx, admin, { name: `${token} Root`, description: 'the root' });
  const childA = await makeCategory(ctx, admin, { name: `${token} Child A`, parent: root.id });
  const childB = await makeCategory(ctx, admin, { name: `${token} Child B`, parent: root.id });
  const grandchild = await makeCategory(ctx, admin, {
    name: `${token} Grandchild`,
    parent: childA.id,
  });
  return { token, root, childA, childB, grandchild };
}

/** Every top-level category, walking the paged list to its end by its `next` links. */
async function allTopLevel(): Promise<Category[]> {
  const out: Category[] = [];
  let next: string | null = '/api/categories/?page_size=100';
  while (next) {
    const link = new URL(next, 'http://localhost');
    const res = await call(ctx, 'GET', link.pathname + link.search);
    // Other tests delete categories meanwhile: the last page may be gone by now.
    if (res.statusCode === 404 && out.length) break;
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json<Page<Category>>();
    out.push(...page.results);
    next = page.next;
  }
  return out;
}

/** A top-level category as the paged list shows it; walks again when a concurrent write shifted the pages. */
async function findTopLevel(id: number): Promise<Category | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = (await allTopLevel()).find((c) => c.id === id);
    if (found) return found;
  }
  return undefined;
}

const strip = ({ children: _children, ...rest }: Category) => rest;

describe('category reads', () => {
  it('lists top-level categories, paged, with their children nested recursively', async () => {
    const { root, childA, childB, grandchild } = await makeTree();
    const top = await allTopLevel();
    for (const category of top) expect(category.parent).toBeNull();
    const ids = top.map((c) => c.id);
    expect(ids).not.toContain(childA.id);
    expect(ids).not.toContain(grandchild.id);

    const listed = (await findTopLevel(root.id))!;
    expect(listed).toEqual({
      ...strip(root),
      children: [
        { ...strip(childA), children: [{ ...strip(grandchild), children: [] }] },
        { ...strip(childB), children: [] },
      ],
    });
    expect(listed.created_at).toMatch(ISO);
    expect(listed.updated_at).toMatch(ISO);
  });

  it('pages the top-level list with {count, next, previous, results}', async () => {
    await makeTree();
    await makeTree();
    const first = await getPage<Category>(ctx, '/api/categories/?page_size=1');
    expect(first.count).toBeGreaterThanOrEqual(2);
    expect(first.results).toHaveLength(1);
    expect(first.previous).toBeNull();
    const next = new URL(first.next!);
    expect(next.protocol).toBe('http:');
    expect(next.pathname).toBe('/api/categories/');
    expect(next.searchParams.get('page')).toBe('2');
    expect(next.searchParams.get('page_size')).toBe('1');
    const second = await getPage<Category>(ctx, next.pathname + next.search);
    expect(second.results).toHaveLength(1);
    expect(new URL(second.previous!).searchParams.get('page')).toBeNull();

    const past = await call(ctx, 'GET', '/api/categories/?page_size=100&page=100000');
    expectProblem(past, 404, 'not_found');
    expectProblem(
      await call(ctx, 'GET', '/api/categories/?page=0'),
      400,
      'validation_error',
      'page',
    );
    expectProblem(
      await call(ctx, 'GET', '/api/categories/?page_size=101'),
      400,
      'validation_error',
      'page_size',
    );
    expectProblem(
      await call(ctx, 'GET', '/api/categories/?page=abc'),
      400,
      'validation_error',
      'page',
    );
  });

  it('lists every category, nested ones included, under all/', async () => {
    const { root, childA, childB, grandchild } = await makeTree();
    for (const path of ['/api/categories/all/', '/api/categories/all']) {
      const res = await call(ctx, 'GET', path);
      expect(res.statusCode).toBe(200);
      const all = res.json<Category[]>();
      expect(Array.isArray(all)).toBe(true);
      const byId = new Map(all.map((c) => [c.id, c]));
      expect(byId.get(root.id)).toMatchObject({ parent: null, slug: root.slug });
      expect(byId.get(childA.id)).toMatchObject({ parent: root.id, slug: childA.slug });
      expect(byId.get(childB.id)).toMatchObject({ parent: root.id });
      expect(byId.get(grandchild.id)).toMatchObject({ parent: childA.id, children: [] });
      expect(byId.get(childA.id)!.children.map((c) => c.id)).toEqual([grandchild.id]);
    }
  });

  it('reads any category by slug, with its subtree; an unknown slug is 404', async () => {
    const { root, childA, grandchild } = await makeTree();
    const res = await call(ctx, 'GET', url(childA.slug));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      ...strip(childA),
      children: [{ ...strip(grandchild), children: [] }],
    });
    const deep = await call(ctx, 'GET', `/api/categories/${grandchild.slug}`);
    expect(deep.statusCode).toBe(200);
    expect(deep.json()).toMatchObject({ id: grandchild.id, parent: childA.id, children: [] });
    const top = await call(ctx, 'GET', url(root.slug));
    expect(top.json<Category>().children).toHaveLength(2);
    expectProblem(await call(ctx, 'GET', url(unique('no-such-'))), 404, 'not_found');
  });
});

describe('category writes', () => {
  it('creates a category: 201 with the slug made from the name', async () => {
    const token = unique('c');
    const res = await call(ctx, 'POST', '/api/categories/', admin, {
      name: `  ${token} Garden & Outdoor  `,
      description: 'Plants',
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json<Category>();
    expect(body).toEqual({
      id: expect.any(Number),
      name: `${token} Garden & Outdoor`,
      slug: `${token}-garden-and-outdoor`,
      description: 'Plants',
      parent: null,
      children: [],
      created_at: expect.stringMatching(ISO),
      updated_at: expect.stringMatching(ISO),
    });
    const plain = await makeCategory(ctx, admin, { name: `${token} Plain` });
    expect(plain.description).toBe('');
  });

  it('reads, replaces, updates and deletes a category at depth 2 by its slug', async () => {
    const { childA, grandchild } = await makeTree();
    const newName = unique('Renamed ');
    const put = await call(ctx, 'PUT', url(grandchild.slug), admin, {
      name: newName,
      description: 'new',
    });
    expect(put.statusCode, put.body).toBe(200);
    const replaced = put.json<Category>();
    expect(replaced).toMatchObject({
      id: grandchild.id,
      name: newName,
      description: 'new',
      slug: grandchild.slug, // the slug stays, so links keep working
      parent: childA.id, // PUT without `parent` keeps it
      children: [],
    });
    expect(Date.parse(replaced.updated_at)).toBeGreaterThanOrEqual(
      Date.parse(grandchild.updated_at),
    );

    const patch = await call(ctx, 'PATCH', url(grandchild.slug), admin, { description: 'patched' });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({
      name: newName,
      description: 'patched',
      parent: childA.id,
    });

    const get = await call(ctx, 'GET', url(grandchild.slug));
    expect(get.json()).toMatchObject({ name: newName, description: 'patched' });

    const del = await call(ctx, 'DELETE', url(grandchild.slug), admin);
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expectProblem(await call(ctx, 'GET', url(grandchild.slug)), 404, 'not_found');
    expect((await call(ctx, 'GET', url(childA.slug))).json<Category>().children).toEqual([]);
    expectProblem(await call(ctx, 'DELETE', url(grandchild.slug), admin), 404, 'not_found');
    expectProblem(
      await call(ctx, 'PATCH', url(grandchild.slug), admin, { description: 'x' }),
      404,
      'not_found',
    );
  });

  it('makes slugs unique with -2, -3 when names slugify alike', async () => {
    const token = unique('s');
    const a = await makeCategory(ctx, admin, { name: `${token} Shoes & Bags` });
    const b = await makeCategory(ctx, admin, { name: `${token} shoes and bags!` });
    const c = await makeCategory(ctx, admin, { name: `${token} -- Shoes  AND  Bags --` });
    expect(a.slug).toBe(`${token}-shoes-and-bags`);
    expect(b.slug).toBe(`${token}-shoes-and-bags-2`);
    expect(c.slug).toBe(`${token}-shoes-and-bags-3`);
    for (const category of [a, b, c]) {
      expect((await call(ctx, 'GET', url(category.slug))).json()).toMatchObject({
        id: category.id,
      });
    }
  });

  it('never gives the bare slug `all`, which names the all/ route', async () => {
    const res = await call(ctx, 'POST', '/api/categories/', admin, { name: 'All!?' });
    expect(res.statusCode, res.body).toBe(201);
    const category = res.json<Category>();
    expect(category.slug).not.toBe('all');
    expect(category.slug).toMatch(/^all-\d+$/);
    expect((await call(ctx, 'GET', url(category.slug))).json()).toMatchObject({ id: category.id });
    const all = await call(ctx, 'GET', '/api/categories/all/');
    expect(Array.isArray(all.json())).toBe(true);
  });

  it('refuses a name already taken, ignoring case', async () => {
    const token = unique('n');
    const books = await makeCategory(ctx, admin, { name: `${token} Books` });
    const other = await makeCategory(ctx, admin, { name: `${token} Other` });
    for (const name of [`${token.toUpperCase()} BOOKS`, `  ${token} books `]) {
      const res = await call(ctx, 'POST', '/api/categories/', admin, { name });
      expectProblem(res, 400, 'validation_error', 'name');
    }
    const rename = await call(ctx, 'PATCH', url(other.slug), admin, { name: `${token} bOOKS` });
    expectProblem(rename, 400, 'validation_error', 'name');
    const put = await call(ctx, 'PUT', url(other.slug), admin, { name: `${token} books` });
    expectProblem(put, 400, 'validation_error', 'name');
    // A category may change the case of its own name.
    const own = await call(ctx, 'PATCH', url(books.slug), admin, { name: `${token} BOOKS` });
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json()).toMatchObject({ name: `${token} BOOKS`, slug: books.slug });
  });

  it('validates the name', async () => {
    for (const payload of [
      {},
      { name: '' },
      { name: '   ' },
      { name: 'x'.repeat(101) },
      { name: null },
    ]) {
      const res = await call(ctx, 'POST', '/api/categories/', admin, payload);
      expectProblem(res, 400, 'validation_error', 'name');
    }
    const category = await makeCategory(ctx, admin);
    expectProblem(
      await call(ctx, 'PATCH', url(category.slug), admin, { name: ' ' }),
      400,
      'validation_error',
      'name',
    );
    expectProblem(
      await call(ctx, 'PUT', url(category.slug), admin, { description: 'no name' }),
      400,
      'validation_error',
      'name',
    );
  });

  it('requires the parent to exist', async () => {
    const name = unique('Orphan ');
    const res = await call(ctx, 'POST', '/api/categories/', admin, { name, parent: 2_147_483_647 });
    expectProblem(res, 400, 'validation_error', 'parent');
    // 0, "0" and false are not ids, and must not be taken for null (top level) either.
    for (const parent of [0, '0', false, -1, 'abc', 1.5, {}]) {
      expectProblem(
        await call(ctx, 'POST', '/api/categories/', admin, { name, parent }),
        400,
        'validation_error',
        'parent',
      );
    }
    const all = (await call(ctx, 'GET', '/api/categories/all/')).json<Category[]>();
    expect(all.some((c) => c.name === name)).toBe(false);

    const parent = await makeCategory(ctx, admin);
    const category = await makeCategory(ctx, admin, { parent: parent.id });
    for (const bad of [2_147_483_647, 0, false]) {
      const patch = await call(ctx, 'PATCH', url(category.slug), admin, { parent: bad });
      expectProblem(patch, 400, 'validation_error', 'parent');
    }
    expect((await call(ctx, 'GET', url(category.slug))).json()).toMatchObject({
      parent: parent.id,
    });
  });

  it('refuses to make a category its own ancestor', async () => {
    const { root, childA, grandchild } = await makeTree();
    const attempts: [string, Record<string, unknown>][] = [
      ['PATCH', { parent: root.id }],
      ['PATCH', { parent: childA.id }],
      ['PATCH', { parent: grandchild.id }],
      ['PUT', { name: root.name, parent: grandchild.id }],
    ];
    for (const [method, payload] of attempts) {
      const res = await call(ctx, method as 'PATCH' | 'PUT', url(root.slug), admin, payload);
      const problem = expectProblem(res, 400, 'validation_error', 'parent');
      expect(problem.errors!.parent).toEqual(['A category cannot be its own ancestor.']);
    }
    expectProblem(
      await call(ctx, 'PATCH', url(childA.slug), admin, { parent: grandchild.id }),
      400,
      'validation_error',
      'parent',
    );
    expectProblem(
      await call(ctx, 'PATCH', url(grandchild.slug), admin, { parent: grandchild.id }),
      400,
      'validation_error',
      'parent',
    );
    // Nothing moved.
    const tree = (await call(ctx, 'GET', url(root.slug))).json<Category>();
    expect(tree.parent).toBeNull();
    expect(tree.children.find((c) => c.id === childA.id)!.children.map((c) => c.id)).toEqual([
      grandchild.id,
    ]);
  });

  it('moves a category: under another, and to the top level with parent null', async () => {
    const { root, childA, childB, grandchild } = await makeTree();
    const top = await call(ctx, 'PATCH', url(childA.slug), admin, { parent: null });
    expect(top.statusCode, top.body).toBe(200);
    expect(top.json()).toMatchObject({
      id: childA.id,
      parent: null,
      children: [{ id: grandchild.id, parent: childA.id }],
    });
    const rootNow = (await call(ctx, 'GET', url(root.slug))).json<Category>();
    expect(rootNow.children.map((c) => c.id)).toEqual([childB.id]);
    expect((await findTopLevel(childA.id))?.children.map((c) => c.id)).toEqual([grandchild.id]);

    // The grandchild moves under childB, a sibling subtree: no cycle.
    const moved = await call(ctx, 'PATCH', url(grandchild.slug), admin, { parent: childB.id });
    expect(moved.statusCode).toBe(200);
    const again = (await call(ctx, 'GET', url(root.slug))).json<Category>();
    expect(again.children[0]!.children.map((c) => c.id)).toEqual([grandchild.id]);
    // The former root may now go under its former child's child: it is no longer an ancestor.
    const under = await call(ctx, 'PATCH', url(childA.slug), admin, { parent: grandchild.id });
    expect(under.statusCode, under.body).toBe(200);
    expect(under.json()).toMatchObject({ parent: grandchild.id, children: [] });
  });

  it('refuses with 409 to delete a category whose subtree holds a product', async () => {
    const { root, childA, grandchild } = await makeTree();
    const product = await makeProduct({ ctx, admin, categoryId: grandchild.id });
    for (const slug of [root.slug, childA.slug, grandchild.slug]) {
      const res = await call(ctx, 'DELETE', url(slug), admin);
      expectProblem(res, 409, 'conflict');
    }
    // Even an inactive product keeps its category.
    await call(ctx, 'PATCH', `/api/products/${product.id}/`, admin, { is_active: false });
    expectProblem(await call(ctx, 'DELETE', url(root.slug), admin), 409, 'conflict');
    const tree = (await call(ctx, 'GET', url(root.slug))).json<Category>();
    expect(tree.children.find((c) => c.id === childA.id)!.children.map((c) => c.id)).toEqual([
      grandchild.id,
    ]);

    expect((await call(ctx, 'DELETE', `/api/products/${product.id}/`, admin)).statusCode).toBe(204);
    expect((await call(ctx, 'DELETE', url(root.slug), admin)).statusCode).toBe(204);
    for (const slug of [root.slug, childA.slug, grandchild.slug]) {
      expectProblem(await call(ctx, 'GET', url(slug)), 404, 'not_found');
    }
  });

  it('deletes a category with its whole subtree when no product is in it', async () => {
    const { root, childA, childB, grandchild } = await makeTree();
    const del = await call(ctx, 'DELETE', `/api/categories/${root.slug}`, admin);
    expect(del.statusCode).toBe(204);
    for (const category of [root, childA, childB, grandchild]) {
      expectProblem(await call(ctx, 'GET', url(category.slug)), 404, 'not_found');
    }
    const all = (await call(ctx, 'GET', '/api/categories/all/')).json<Category[]>();
    const ids = new Set(all.map((c) => c.id));
    for (const category of [root, childA, childB, grandchild])
      expect(ids.has(category.id)).toBe(false);
  });

  it('keeps writes to admins: 401 anonymous, 403 for a normal user', async () => {
    const category = await makeCategory(ctx, admin);
    const writes: [string, string, Record<string, unknown> | undefined][] = [
      ['POST', '/api/categories/', { name: unique('Nope ') }],
      ['PUT', url(category.slug), { name: unique('Nope ') }],
      ['PATCH', url(category.slug), { description: 'nope' }],
      ['DELETE', url(category.slug), undefined],
    ];
    for (const [method, path, payload] of writes) {
      const m = method as 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      const anonymous = await call(ctx, m, path, null, payload);
      expectProblem(anonymous, 401, 'not_authenticated');
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      expectProblem(await call(ctx, m, path, user, payload), 403, 'permission_denied');
    }
    const bad = await ctx.app.inject({
      method: 'POST',
      url: '/api/categories/',
      headers: { authorization: 'Bearer not-a-token' },
      payload: { name: unique('Nope ') },
    });
    expectProblem(bad, 401, 'token_invalid');
    const still = await call(ctx, 'GET', url(category.slug));
    expect(still.json()).toEqual(category);
  });
});
