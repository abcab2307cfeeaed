import { and, asc, desc, eq, gt, lte, or, type SQL, sql, type SQLWrapper } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { preparedFor } from '../../db/sql.js';
import { catalogState, categories, products, productSearch, productVariants } from '../../db/schema/index.js';
import type { Ordering } from '../../contract/index.js';
import { catalogVersionSql, type CountCache } from './counts.js';

type Found = { count: number; rows: ProductListRow[]; fuzzy: boolean };

export interface ProductFilter {
  search?: string;
  categorySlug?: string;
  minPrice?: string;
  maxPrice?: string;
  inStock?: boolean;
  /** `?option=Name:Value`: values by option name (alternatives), names in order. */
  options?: [string, string[]][];
  ordering?: Ordering;
}

export const listColumns = {
  id: products.id,
  name: products.name,
  slug: products.slug,
  price: products.price,
  priceMax: products.priceMax,
  stock: products.stock,
  imageUrl: products.imageUrl,
  imageThumbKey: products.imageThumbKey,
  isActive: products.isActive,
  isFeatured: products.isFeatured,
  categoryId: products.categoryId,
  categoryName: categories.name,
  createdAt: products.createdAt,
};
export type ProductListRow = {
  id: number;
  name: string;
  slug: string;
  price: string;
  priceMax: string;
  stock: number;
  imageUrl: string | null;
  imageThumbKey: string | null;
  isActive: boolean;
  isFeatured: boolean;
  categoryId: number;
  categoryName: string;
  createdAt: Date;
};

const ORDER_BY: Record<Ordering, SQL[]> = {
  price: [asc(products.price), asc(products.id)],
  '-price': [desc(products.price), desc(products.id)],
  created_at: [asc(products.createdAt), asc(products.id)],
  '-created_at': [desc(products.createdAt), desc(products.id)],
  name: [asc(products.name), asc(products.id)],
  '-name': [desc(products.name), desc(products.id)],
};

/** Search terms: whitespace-separated, at most 10. */
function searchTerms(search: string | undefined): string[] {
  return (search ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 10);
}

/** `%term%` with LIKE's own wildcards escaped, so `%` and `_` match themselves. */
function containing(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A term occurs in the name or the description, ignoring case: `product_search.search_text`
 * is lower(name || ' ' || description), kept by triggers (migration 0015), so this is exactly
 * `(name || ' ' || description) ILIKE pattern` (which lower-cases both sides and LIKEs), with
 * the row's side lower-cased once when it is written instead of on every read; one condition
 * of the GIN trigram index product_search_text_trgm_idx.
 */
// The pattern is lowered once per statement (a subquery: an InitPlan), not once per candidate
// row, which a prepared statement's generic plan would otherwise do (1 ms per 5,000 rows).
const matches = (pattern: unknown) => sql`${productSearch.searchText} like (select lower(${pattern}))`;

/** The category and its descendants, as a subquery of ids. */
function inCategoryTree(slug: string) {
  return sql`${products.categoryId} in (
    with recursive sub as (
      select id from ${categories} where ${categories.slug} = ${slug}
      union all
      select c.id from ${categories} c join sub on c.parent_id = sub.id
    ) select id from sub)`;
}

/**
 * A product matches a price range when one of its active variants' prices is in it. The
 * product's price and price_max (the lowest and highest, kept by the trigger) answer alone
 * when only one bound is given or the product has one price; otherwise a variant is looked up.
 */
function inPriceRange(min: unknown, max: unknown): SQL | undefined {
  if (min === undefined && max === undefined) return undefined;
  if (max === undefined) return sql`${products.priceMax} >= ${min}`;
  if (min === undefined) return lte(products.price, max as string);
  return sql`(${products.price} <= ${max} and ${products.priceMax} >= ${min} and (${products.price} = ${products.priceMax}
    or exists (select 1 from ${productVariants} pv where pv.product_id = ${products.id} and pv.is_active
               and pv.price between ${min} and ${max})))`;
}

/** `?option=`: one active variant has, for each name, one of its values (GIN `@>` probes). */
function withOptions(groups: SQL[][]): SQL | undefined {
  if (!groups.length) return undefined;
  const each = groups.map((values) => sql`(${sql.join(values.map((v) => sql`ov.options @> ${v}::jsonb`), sql` or `)})`);
  return sql`${products.id} in (select ov.product_id from ${productVariants} ov where ov.is_active and ${sql.join(each, sql` and `)})`;
}

/** The value of an option filter as a JSON containment document. */
const optionDoc = (name: string, value: string) => JSON.stringify({ [name]: value });

/** A search of one term also finds the product whose variant has that SKU (one unique-index probe). */
const SKU_TEXT = /^[A-Za-z0-9._-]{1,64}$/;
const skuOf = (terms: string[]) => (terms.length === 1 && SKU_TEXT.test(terms[0]!) ? terms[0] : undefined);
const bySku = (sku: unknown) =>
  sql`${productSearch.productId} = (select ${productVariants.productId} from ${productVariants} where lower(${productVariants.sku}) = lower(${sku}::text))`;

/**
 * A term as the caches know it: letter case does not change what a search finds (it matches
 * lower-cased text, ranks by ILIKE, and pg_trgm and the SKU lookup ignore case), so
 * "Wireless" (a phone keyboard's capital) shares "wireless"'s count and pages. ASCII only:
 * there JavaScript's and PostgreSQL's lower-casing agree for certain.
 */
const cacheTerm = (term: string) => (/^[\x20-\x7e]*$/.test(term) ? term.toLowerCase() : term);

/** What the count of a list depends on (not its ordering or page). */
function countKey(filter: ProductFilter, terms: string[], activeOnly: boolean): string {
  return JSON.stringify([
    activeOnly,
    terms.map(cacheTerm),
    filter.categorySlug,
    filter.minPrice,
    filter.maxPrice,
    filter.inStock,
    filter.options ?? [],
  ]);
}

/**
 * The form of a list query: which filters are present, the ordering, how many search
 * terms. Queries of one form differ only in their values, so each form is prepared once.
 */
interface Shape {
  activeOnly: boolean;
  category: boolean;
  minPrice: boolean;
  maxPrice: boolean;
  inStock?: boolean;
  ordering?: Ordering;
  /** How many values each option filter has, by position. */
  options: number[];
  terms: number;
  /** The (single) term may be an SKU. */
  sku: boolean;
  fuzzy: boolean;
}

const P = (name: string) => sql.placeholder(name);

/**
 * `is_active` as a literal condition, never `is_active = $1`: the list indexes are partial
 * (`where is_active`), and a prepared statement's generic plan cannot use a partial index
 * for a parameter (measured: a sort over a sequential scan, 5.8 ms, instead of 1.7 ms).
 */
export const isActive = sql`${products.isActive}`;

/** The filters on the products table's own columns (category, price, options, stock). */
function filterConditions(shape: Shape): (SQL | undefined)[] {
  return [
    shape.category ? inCategoryTree(P('category') as unknown as string) : undefined,
    inPriceRange(shape.minPrice ? P('minPrice') : undefined, shape.maxPrice ? P('maxPrice') : undefined),
    withOptions(shape.options.map((count, g) => Array.from({ length: count }, (_, v) => sql`${P(`o${g}_${v}`)}`))),
    shape.inStock === true ? gt(products.stock, 0) : undefined,
    shape.inStock === false ? eq(products.stock, 0) : undefined,
  ];
}

/**
 * The conditions of a list or of a search's typo fallback, on the products table. (An exact
 * search reads product_search: searchQueries.)
 */
function shapeConditions(shape: Shape): (SQL | undefined)[] {
  if (shape.terms && !shape.fuzzy) throw new Error('an exact search is read from product_search (searchQueries)');
  const terms = Array.from({ length: shape.terms }, (_, i) => i);
  return [
    shape.activeOnly ? isActive : undefined,
    ...filterConditions(shape),
    // Typo tolerance: the term resembles a word of the name (pg_trgm word similarity ≥ 0.6,
    // served by the name's GIN trigram index).
    ...terms.map((i) => sql`${P(`t${i}`)} <% ${products.name}`),
  ];
}

/** Whether a search needs the products table beside product_search: a filter, or the price or name ordering. */
const readsProducts = (shape: Shape) =>
  filterConditions(shape).some(Boolean) || ['price', '-price', 'name', '-name'].includes(shape.ordering ?? '');

/** Every term matches, or (a one-term search) the term is a variant's SKU. */
function termsCondition(each: SQL[], sku: SQL | undefined): SQL | undefined {
  if (!each.length) return undefined;
  return sku ? or(and(...each), sku) : and(...each);
}

function shapeOrder(shape: Shape): SQL[] {
  if (shape.ordering) return ORDER_BY[shape.ordering];
  if (!shape.terms) return ORDER_BY['-created_at'];
  const terms = Array.from({ length: shape.terms }, (_, i) => i);
  if (shape.fuzzy) {
    const score = sql.join(terms.map((i) => sql`word_similarity(${P(`t${i}`)}, ${products.name})`), sql` + `);
    return [sql`(${score}) desc`, desc(products.id)];
  }
  // Products whose name holds every term rank before description-only matches.
  return [sql`(${and(...terms.map((i) => sql`${products.name} ilike ${P(`p${i}`)}`))}) desc`, ...ORDER_BY['-created_at']];
}

const shapeName = (kind: string, shape: Shape) =>
  `${kind}_${createHash('sha1').update(JSON.stringify(shape)).digest('hex').slice(0, 16)}`;

const rowQueries = preparedFor((db: Db) => {
  const cache = new Map<string, ReturnType<typeof buildRows>>();
  const buildRows = (shape: Shape) => {
    if (shape.terms) {
      // A search's typo fallback: its matches are counted by the same statement (a window
      // over all of them, found anyway to be ordered by similarity).
      return db
        .select({ ...listColumns, version: catalogVersionSql, total: sql<number>`(count(*) over ())::int` })
        .from(products)
        .innerJoin(categories, eq(categories.id, products.categoryId))
        .where(and(...shapeConditions(shape)))
        .orderBy(...shapeOrder(shape))
        .limit(P('limit'))
        .offset(P('offset'))
        .prepare(shapeName('products_page', shape));
    }
    // Without a search, the page's ids come first from the ordering's index alone (an
    // index-only scan over the skipped rows: 1.9 ms instead of 11 ms at offset 9,000),
    // then only those rows are read and joined to their category.
    const page = db
      .select({ pageId: sql<number>`${products.id}`.as('page_id') })
      .from(products)
      .where(and(...shapeConditions(shape)))
      .orderBy(...shapeOrder(shape))
      .limit(P('limit'))
      .offset(P('offset'))
      .as('page');
    return db
      .select({ ...listColumns, version: catalogVersionSql })
      .from(page)
      .innerJoin(products, eq(products.id, page.pageId))
      .innerJoin(categories, eq(categories.id, products.categoryId))
      .orderBy(...shapeOrder(shape))
      .prepare(shapeName('products_page', shape));
  };
  return (shape: Shape) => {
    const key = JSON.stringify(shape);
    let query = cache.get(key);
    if (!query) cache.set(key, (query = buildRows(shape)));
    return query;
  };
});

/**
 * The keys a search's matches are ordered by, read once per match while they are found:
 * the ordering's column (or, with none, whether the name holds every term and then newest
 * first) and the id.
 */
function sortKeys(shape: Shape) {
  const terms = Array.from({ length: shape.terms }, (_, i) => i);
  switch (shape.ordering) {
    case 'price':
    case '-price':
      return { key: products.price, desc: shape.ordering === '-price' };
    case 'name':
    case '-name':
      return { key: products.name, desc: shape.ordering === '-name' };
    case 'created_at':
    case '-created_at':
      return { key: productSearch.createdAt, desc: shape.ordering === '-created_at' };
    case undefined:
      return {
        key: productSearch.createdAt,
        desc: true,
        // lower(name) LIKE lower(pattern) is exactly name ILIKE pattern, without lower-casing
        // every match's name on every search.
        rank: sql<boolean>`(${and(...terms.map((i) => sql`${productSearch.nameLower} like (select lower(${P(`p${i}`)}))`))})`.as('name_match'),
      };
  }
}

/**
 * A search (not its typo fallback) in one statement and one pass over the matches: they are
 * found once in product_search (CTE m: id and sort keys of each; joined to products only for
 * a filter or the price ordering), counted, and ordered for the page, whose rows are then
 * read by primary key. The count, the page and the catalog version come from one
 * snapshot. When nothing matches, the typo fallback is a second statement that pages and
 * counts the similar names (similarNames in findProducts). The query returns one row with
 * null product columns when the page is empty.
 */
const searchQueries = preparedFor((db: Db) => {
  const cache = new Map<string, ReturnType<typeof build>>();
  const build = (shape: Shape) => {
    const { key, desc: descending, rank } = sortKeys(shape);
    const terms = Array.from({ length: shape.terms }, (_, i) => i);
    const where = and(
      shape.activeOnly ? sql`${productSearch.isActive}` : undefined,
      ...filterConditions(shape),
      termsCondition(
        terms.map((i) => matches(P(`p${i}`))),
        shape.sku ? bySku(P('sku')) : undefined,
      ),
    );
    const found = db.select({ id: productSearch.productId, key, ...(rank ? { rank } : {}) }).from(productSearch);
    const m = db
      .$with('m')
      .as(
        readsProducts(shape)
          ? found.innerJoin(products, eq(products.id, productSearch.productId)).where(where)
          : found.where(where),
      );
    const order = (src: { id: SQLWrapper; key: SQLWrapper; rank?: SQLWrapper }) => {
      const dir = descending ? desc : asc;
      const keys = [dir(src.key), dir(src.id)];
      return src.rank ? [sql`${src.rank} desc`, ...keys] : keys;
    };
    const total = db.$with('total').as(db.select({ n: sql<number>`count(*)::int`.as('n') }).from(m));
    const page = db.$with('page').as(
      db
        .select()
        .from(m)
        .orderBy(...order(m))
        .limit(P('limit'))
        .offset(P('offset')),
    );
    return db
      .with(m, total, page)
      .select({
        total: total.n,
        version: catalogVersionSql,
        ...listColumns,
      })
      .from(total)
      .leftJoin(page, sql`true`)
      .leftJoin(products, eq(products.id, page.id))
      .leftJoin(categories, eq(categories.id, products.categoryId))
      .orderBy(...order(page))
      .prepare(shapeName('products_search', shape));
  };
  return (shape: Shape) => {
    const key = JSON.stringify(shape);
    let query = cache.get(key);
    if (!query) cache.set(key, (query = build(shape)));
    return query;
  };
});

const countQueries = preparedFor((db: Db) => {
  const cache = new Map<string, ReturnType<typeof buildCount>>();
  const buildCount = (shape: Shape) =>
    db
      .select({ count: sql<number>`count(*)::int`, version: catalogVersionSql })
      .from(products)
      .where(and(...shapeConditions(shape)))
      .prepare(shapeName('products_count', shape));
  return (shape: Shape) => {
    const key = JSON.stringify(shape);
    let query = cache.get(key);
    if (!query) cache.set(key, (query = buildCount(shape)));
    return query;
  };
});

const orderQueries = preparedFor((db: Db) => {
  const cache = new Map<string, { order: ReturnType<typeof buildOrder>; page: ReturnType<typeof byIds> }>();
  const buildOrder = (shape: Shape) =>
    db
      .select({
        version: catalogVersionSql,
        ids: sql<number[]>`coalesce(array_agg(${products.id} order by ${sql.join(shapeOrder(shape), sql`, `)}), '{}')`,
      })
      .from(products)
      .where(and(...shapeConditions(shape)))
      .prepare(shapeName('products_order', shape));
  const byIds = (shape: Shape) =>
    db
      .select({ ...listColumns, version: catalogVersionSql })
      .from(products)
      .innerJoin(categories, eq(categories.id, products.categoryId))
      .where(sql`${products.id} = any(${P('ids')})`)
      .orderBy(...shapeOrder(shape))
      .prepare(shapeName('products_by_ids', shape));
  return (shape: Shape) => {
    const key = JSON.stringify(shape);
    let queries = cache.get(key);
    if (!queries) cache.set(key, (queries = { order: buildOrder(shape), page: byIds(shape) }));
    return queries;
  };
});

/**
 * A page of an unfiltered list (any ordering) from the cached order of its ids: the page is
 * then 50 primary-key lookups, whatever its depth, instead of an OFFSET that walks every
 * row before it. The ids are read at a catalog version and used while the rows say the
 * version is unchanged; any product write moves the version, and the order is read again.
 * Null when the page is past the end (the general path answers that).
 */
async function pageInOrder(
  db: Db,
  cache: CountCache,
  shape: Shape,
  page: { limit: number; offset: number },
): Promise<Found | null> {
  const key = JSON.stringify(shape);
  const queries = orderQueries(db)(shape);
  for (let attempt = 0; attempt < 2; attempt++) {
    let order = attempt === 0 ? cache.peekOrder(key) : undefined;
    if (!order) {
      const [row] = await queries.order.execute();
      order = { version: row!.version, ids: Int32Array.from(row!.ids) };
      cache.setOrder(key, order);
    }
    const ids = order.ids.subarray(page.offset, page.offset + page.limit);
    if (!ids.length) return null;
    const rows = await queries.page.execute({ ids: Array.from(ids) });
    if (rows.length === ids.length && rows[0]!.version === order.version) {
      return { count: order.ids.length, rows, fuzzy: false };
    }
  }
  return null;
}

// The rows of a cached page, whatever its filter or ordering: primary-key lookups.
const rowsByIds = preparedFor((db: Db) =>
  db
    .select({ ...listColumns, version: catalogVersionSql })
    .from(products)
    .innerJoin(categories, eq(categories.id, products.categoryId))
    .where(sql`${products.id} = any(${P('ids')}::int[])`)
    .prepare('products_by_id_list'),
);

// The catalog version alone: whether a count read earlier still holds.
const catalogVersion = preparedFor((db: Db) =>
  db.select({ version: catalogState.version }).from(catalogState).where(eq(catalogState.id, 1)).prepare('catalog_version'),
);

/**
 * A page of a search from the cache: its count and ids as they were at a catalog version,
 * its rows read again by primary key (one query instead of a scan per term and a count).
 * Used only while the rows say the version is unchanged, so a product written since (here
 * or on another instance) is never missed; null otherwise.
 */
async function cachedPage(db: Db, cache: CountCache, key: string): Promise<Found | null> {
  const page = cache.peekPage(key);
  if (!page) return null;
  const rows = await rowsByIds(db).execute({ ids: Array.from(page.ids) });
  if (rows.length !== page.ids.length || rows[0]!.version !== page.version) return null;
  const byId = new Map(rows.map((row) => [row.id, row]));
  return { count: page.count, fuzzy: page.fuzzy, rows: Array.from(page.ids, (id) => byId.get(id)!) };
}

/**
 * One page of products and the total. A search seen before at the current catalog version
 * is one primary-key query (cachedPage); an answer known to be empty at that version (nothing
 * found, or a page past the end), one read of the version. Otherwise the rows query also
 * reads the catalog version; a count cached at that version is reused (one query), otherwise
 * the count is taken (two queries, whatever the page size). A search not seen before is one
 * statement (searchQueries); if nothing matches every term exactly, a second one reads the
 * products whose name has a word resembling each term, with their count (typo tolerance).
 * Row and count queries are prepared statements, one per form of query.
 */
export async function findProducts(
  db: Db,
  filter: ProductFilter,
  page: { limit: number; offset: number },
  cache: CountCache | null = null,
  activeOnly = true,
): Promise<Found> {
  const terms = searchTerms(filter.search);
  const key = countKey(filter, terms, activeOnly);
  const shape = (fuzzy: boolean): Shape => ({
    activeOnly,
    category: filter.categorySlug !== undefined,
    minPrice: filter.minPrice !== undefined,
    maxPrice: filter.maxPrice !== undefined,
    inStock: filter.inStock,
    ordering: filter.ordering,
    options: (filter.options ?? []).map(([, values]) => values.length),
    terms: terms.length,
    sku: skuOf(terms) !== undefined,
    fuzzy,
  });
  const values: Record<string, unknown> = {
    category: filter.categorySlug,
    minPrice: filter.minPrice,
    maxPrice: filter.maxPrice,
    limit: page.limit,
    offset: page.offset,
    sku: skuOf(terms),
  };
  (filter.options ?? []).forEach(([name, list], g) =>
    list.forEach((value, v) => (values[`o${g}_${v}`] = optionDoc(name, value))),
  );
  terms.forEach((term, i) => {
    values[`t${i}`] = term;
    values[`p${i}`] = containing(term);
  });
  const select = (fuzzy: boolean) => rowQueries(db)(shape(fuzzy)).execute(values);

  const unfiltered =
    !terms.length &&
    filter.categorySlug === undefined &&
    filter.minPrice === undefined &&
    filter.maxPrice === undefined &&
    filter.inStock === undefined &&
    !filter.options?.length;
  if (cache && unfiltered) {
    const found = await pageInOrder(db, cache, shape(false), page);
    if (found) return found;
  }
  // Searches only: a filtered list without one is an index range scan already.
  const pageKey = cache && terms.length ? JSON.stringify([key, filter.ordering, page.limit, page.offset]) : null;
  if (pageKey) {
    const found = await cachedPage(db, cache!, pageKey);
    if (found) return found;
  }
  // The page read below is kept for the next request like it, if it was read at the
  // version it was counted at (not across a concurrent write).
  const keep = (found: Found & { rows: (ProductListRow & { version: number })[] }, version: number): Found => {
    if (pageKey && found.rows.length && found.rows[0]!.version === version) {
      const ids = Int32Array.from(found.rows, (row) => row.id);
      cache!.setPage(pageKey, { version, count: found.count, fuzzy: found.fuzzy, ids });
    }
    return found;
  };

  /**
   * Nothing matches every term exactly (at `exactVersion`): the products whose name resembles
   * each are the answer, counted by their page's own statement (or, with no page, by the
   * version alone at offset 0, by a count past it). Cached only if nothing was written in
   * between, so a count is never kept for a version it was not true at.
   */
  const similarNames = async (exactVersion: number): Promise<Found> => {
    const rows = (await rowQueries(db)(shape(true)).execute(values)) as (ProductListRow & { version: number; total: number })[];
    let count = 0;
    let version: number;
    if (rows.length) ({ total: count, version } = rows[0]!);
    else if (page.offset === 0) ({ version } = (await catalogVersion(db).execute())[0]!);
    else ({ count, version } = (await countQueries(db)(shape(true)).execute(values))[0]!);
    if (version === exactVersion) cache?.set(key, version, { count, fuzzy: true });
    return keep({ count, rows, fuzzy: true }, exactVersion);
  };

  const candidate = cache?.peek(key);
  // A page at or past the end of a count read earlier (a search that found nothing, not even
  // a similar name; a page number too far): if the catalog has not changed since, the answer
  // is known, and reading the version alone says so (not another search over the catalogue).
  if (candidate && page.offset >= candidate.count) {
    const [row] = await catalogVersion(db).execute();
    if (row!.version === candidate.version) return { count: candidate.count, rows: [], fuzzy: candidate.fuzzy };
  }
  // A count cached earlier is good if the catalog has not changed since: the rows say. (A
  // search's exact matches are counted with their page in one statement anyway; its typo
  // fallback and the filtered lists use this.)
  let listRows: (ProductListRow & { version: number })[] | null = null;
  if (candidate && (!terms.length || candidate.fuzzy)) {
    const rows = await select(candidate.fuzzy);
    if (rows.length && rows[0]!.version === candidate.version) {
      return keep({ count: candidate.count, rows, fuzzy: candidate.fuzzy }, candidate.version);
    }
    listRows = rows;
  }

  if (terms.length) {
    const found = await searchQueries(db)(shape(false)).execute(values);
    const { total, version } = found[0]!;
    if (total === 0) return similarNames(version);
    cache?.set(key, version, { count: total, fuzzy: false });
    if (page.offset >= total) return { count: total, rows: [], fuzzy: false };
    const rows = found.map(({ total: _total, ...row }) => row as ProductListRow & { version: number });
    return keep({ count: total, rows, fuzzy: false }, version);
  }

  const [rows, [row]] = await Promise.all([listRows ?? select(false), countQueries(db)(shape(false)).execute(values)]);
  cache?.set(key, row!.version, { count: row!.count, fuzzy: false });
  return { count: row!.count, rows, fuzzy: false };
}
