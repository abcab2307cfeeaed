// Search results and category pages: one list with filters (category, price range, in stock,
// sort) kept in the URL, so that a filtered page can be shared and reloaded.
import { type FormEvent, useEffect, useState } from 'react';
import type { QueryOf } from '@shop/client';
import { ok, shop } from '../api';
import { Link, navigate, useLocation, withQuery } from '../router';
import { Alert, Loading, ProductGrid, useLoad } from '../ui';

type ProductQuery = NonNullable<QueryOf<'getApiProducts'>>;
type Ordering = NonNullable<ProductQuery['ordering']>;

const ORDERINGS: Record<Ordering, string> = {
  '-created_at': 'Newest',
  price: 'Price: low to high',
  '-price': 'Price: high to low',
  name: 'Name: A–Z',
  '-name': 'Name: Z–A',
  created_at: 'Oldest',
};

const PAGE_SIZE = 12;
const isPrice = (v: string) => /^\d{1,8}(\.\d{1,2})?$/.test(v);

/** `/search?q=…` (category from the filters) or `/category/<slug>` (category from the path). */
export function Catalog({ categorySlug }: { categorySlug?: string }) {
  const { path, search } = useLocation();
  const q = search.get('q') ?? '';
  const category = categorySlug ?? search.get('category') ?? '';
  const minPrice = search.get('min_price') ?? '';
  const maxPrice = search.get('max_price') ?? '';
  const inStock = search.get('in_stock') === 'true';
  const ordering = (
    Object.hasOwn(ORDERINGS, search.get('ordering') ?? '') ? search.get('ordering') : ''
  ) as Ordering | '';
  const page = Math.max(1, Number(search.get('page')) || 1);

  const categories = useLoad(() => ok(shop().GET('/api/categories/all/')), []);
  const current = categories.data?.find((c) => c.slug === category);
  const products = useLoad(() => {
    const query: ProductQuery = { page, page_size: PAGE_SIZE };
    if (q) query.search = q;
    if (category) query.category = category;
    if (isPrice(minPrice)) query.min_price = minPrice;
    if (isPrice(maxPrice)) query.max_price = maxPrice;
    if (inStock) query.in_stock = true;
    if (ordering) query.ordering = ordering;
    return ok(shop().GET('/api/products', { params: { query } }));
  }, [q, category, minPrice, maxPrice, inStock, ordering, page]);

  const [min, setMin] = useState(minPrice);
  const [max, setMax] = useState(maxPrice);
  useEffect(() => {
    setMin(minPrice);
    setMax(maxPrice);
  }, [minPrice, maxPrice]);

  /** The same page with some parameters changed (and back to page 1 unless `page` is given). */
  const go = (changes: Record<string, string | undefined>) => {
    const params: Record<string, string | undefined> = {
      q,
      category: categorySlug ? undefined : category,
      min_price: minPrice,
      max_price: maxPrice,
      in_stock: inStock ? 'true' : undefined,
      ordering,
      page: undefined,
      ...changes,
    };
    navigate(withQuery(path, params), true);
  };

  const applyPrices = (e: FormEvent) => {
    e.preventDefault();
    go({ min_price: min.trim(), max_price: max.trim() });
  };

  const title = categorySlug
    ? (current?.name ?? 'Category')
    : q
      ? `Results for “${q}”`
      : 'All products';
  const children = current ? (categories.data ?? []).filter((c) => c.parent === current.id) : [];
  const count = products.data?.count ?? 0;
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));

  return (
    <div className="catalog">
      <header className="page-head">
        {categorySlug && (
          <nav aria-label="Breadcrumb" className="crumbs">
            <Link to="/">Home</Link> / <span>{title}</span>
          </nav>
        )}
        <h1>{title}</h1>
        {current?.description && <p className="lede">{current.description}</p>}
        {children.length > 0 && (
          <ul className="chips">
            {children.map((c) => (
              <li key={c.id}>
                <Link to={`/category/${c.slug}`} className="chip">
                  {c.name}
                </Link>
              </li>
            ))}
          </ul>
        )}
      </header>

      <div className="catalog-body">
        <aside className="filters" aria-label="Filters">
          {!categorySlug && (
            <div className="field">
              <label htmlFor="filter-category">Category</label>
              <select
                id="filter-category"
                value={category}
                onChange={(e) => go({ category: e.target.value })}
              >
                <option value="">All categories</option>
                {(categories.data ?? []).map((c) => (
                  <option key={c.id} value={c.slug}>
                    {c.parent === null ? c.name : `— ${c.name}`}
                  </option>
                ))}
              </select>
            </div>
          )}
          <form className="price-filter" onSubmit={applyPrices}>
            <fieldset>
              <legend>Price (₹)</legend>
              <div className="row">
                <label className="sr-only" htmlFor="filter-min">
                  Minimum price
                </label>
                <input
                  id="filter-min"
                  inputMode="decimal"
                  placeholder="Min"
                  value={min}
                  onChange={(e) => setMin(e.target.value)}
                />
                <span aria-hidden="true">–</span>
                <label className="sr-only" htmlFor="filter-max">
                  Maximum price
                </label>
                <input
                  id="filter-max"
                  inputMode="decimal"
                  placeholder="Max"
                  value={max}
                  onChange={(e) => setMax(e.target.value)}
                />
              </div>
              <button type="submit" className="secondary small">
                Apply prices
              </button>
            </fieldset>
          </form>
          <label className="check">
            <input
              type="checkbox"
              checked={inStock}
              onChange={(e) => go({ in_stock: e.target.checked ? 'true' : undefined })}
            />
            In stock only
          </label>
          <div className="field">
            <label htmlFor="filter-ordering">Sort by</label>
            <select
              id="filter-ordering"
              value={ordering}
              onChange={(e) => go({ ordering: e.target.value })}
            >
              <option value="">{q ? 'Best match' : 'Newest'}</option>
              {Object.entries(ORDERINGS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
        </aside>

        <section className="results" aria-live="polite" aria-busy={products.loading}>
          {products.error && <Alert>{products.error}</Alert>}
          {products.loading && !products.data ? (
            <Loading what="Finding products" />
          ) : (
            products.data && (
              <>
                <p className="count" data-testid="result-count">
                  {count === 1 ? '1 product' : `${count} products`}
                </p>
                <ProductGrid
                  products={products.data.results}
                  empty="Nothing matches these filters. Try fewer of them."
                />
                {pages > 1 && (
                  <nav className="pager" aria-label="Pages">
                    <button
                      type="button"
                      className="secondary"
                      disabled={page <= 1}
                      onClick={() => go({ page: String(page - 1) })}
                    >
                      Previous
                    </button>
                    <span>
                      Page {page} of {pages}
                    </span>
                    <button
                      type="button"
                      className="secondary"
                      disabled={page >= pages}
                      onClick={() => go({ page: String(page + 1) })}
                    >
                      Next
                    </button>
                  </nav>
                )}
              </>
            )
          )}
        </section>
      </div>
    </div>
  );
}
