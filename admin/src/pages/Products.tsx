import type { QueryOf, RequestBody, Schemas } from '@shop/client';
import { type FormEvent, useEffect, useState } from 'react';
import { ApiError, flag, money, ok, oneOf, shop } from '../api';
import {
  Field,
  fieldErrorsOf,
  Link,
  Loadable,
  navigate,
  Pagination,
  useDebounced,
  useLoad,
  useQueryParam,
  useToast,
} from '../ui';
import { type CategoryRow, categoryOptions, useAllCategories } from './Categories';
import { ProductExtras } from './ProductExtras';

type ProductItem = Schemas['ProductListItem'];
type ProductDetail = Schemas['ProductDetail'];
type Ordering = NonNullable<NonNullable<QueryOf<'getApiProducts'>>['ordering']>;

const PAGE_SIZE = 25;
/** The list's sort orders, every one the API offers. */
const ORDERINGS: Record<Ordering, string> = {
  '-created_at': 'Newest first',
  created_at: 'Oldest first',
  name: 'Name A–Z',
  '-name': 'Name Z–A',
  price: 'Price, low to high',
  '-price': 'Price, high to low',
};

export function Products() {
  const toast = useToast();
  const [search, setSearch] = useQueryParam('search');
  const [category, setCategory] = useQueryParam('category');
  const [stock, setStock] = useQueryParam('in_stock');
  const [ordering, setOrdering] = useQueryParam('ordering');
  const [pageParam, setPage] = useQueryParam('page', '1');
  const [typed, setTyped] = useState(search);
  const debounced = useDebounced(typed);
  useEffect(() => {
    if (debounced !== search) setSearch(debounced);
    // Only the typed text drives this; the URL may change on its own (back button).
  }, [debounced]);
  const [openRef, setOpenRef] = useState('');
  const page = Math.max(1, Number(pageParam) || 1);
  const categories = useAllCategories();
  // Staff see inactive products too (the API ignores include_inactive for anyone else).
  const query = {
    search: search || undefined,
    category: category || undefined,
    in_stock: flag(stock),
    ordering: oneOf(ordering, ORDERINGS),
    include_inactive: true,
    page,
    page_size: PAGE_SIZE,
  };
  const list = useLoad(() => ok(shop.GET('/api/products', { params: { query } })), JSON.stringify(query));

  const patch = async (p: ProductItem, body: RequestBody<'patchApiProductsId'>, done: string) => {
    try {
      await ok(shop.PATCH('/api/products/{id}/', { params: { path: { id: p.id } }, body }));
      toast.ok(done);
      list.reload();
    } catch (err) {
      if (err instanceof ApiError && err.problem.code === 'use_variants') {
        toast.error(`${p.name} has several variants: set their stock on its page, in the variants grid.`);
      } else toast.error(err);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>Products</h1>
        <Link to="/products/new" className="button">
          New product
        </Link>
      </div>
      <div className="filters">
        <div className="field">
          <label htmlFor="product-search">Search</label>
          <input
            id="product-search"
            type="search"
            placeholder="Name or description"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="product-category">Category</label>
          <select id="product-category" value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">All categories</option>
            {categoryOptions(categories.data ?? []).map(({ row, label }) => (
              <option key={row.id} value={row.slug}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="product-stock">Stock</label>
          <select id="product-stock" value={stock} onChange={(e) => setStock(e.target.value)}>
            <option value="">Any stock</option>
            <option value="true">In stock</option>
            <option value="false">Out of stock</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="product-ordering">Sort by</label>
          <select id="product-ordering" value={ordering} onChange={(e) => setOrdering(e.target.value)}>
            <option value="">{search ? 'Best match' : 'Newest first'}</option>
            {Object.entries(ORDERINGS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <form
          className="field open-by-id"
          onSubmit={(e) => {
            e.preventDefault();
            if (openRef.trim()) navigate(`/products/${encodeURIComponent(openRef.trim())}`);
          }}
        >
          <label htmlFor="product-open">Open by id or slug</label>
          <div className="inline">
            <input id="product-open" value={openRef} onChange={(e) => setOpenRef(e.target.value)} placeholder="e.g. 42" />
            <button type="submit" className="secondary">
              Open
            </button>
          </div>
        </form>
      </div>
      <Loadable
        loaded={list}
        empty={(p) => (p.count === 0 ? (search ? `No product matches “${search}”.` : 'No products here yet.') : null)}
      >
        {(p) => (
          <>
            <div className="table-wrap">
              <table className="table cards" data-testid="products-table">
                <thead>
                  <tr>
                    <th>
                      <span className="sr-only">Image</span>
                    </th>
                    <th>Name</th>
                    <th>Category</th>
                    <th className="num">Price</th>
                    <th className="num">Stock</th>
                    <th>Active</th>
                    <th>Featured</th>
                  </tr>
                </thead>
                <tbody>
                  {p.results.map((product) => (
                    <tr key={product.id} data-active={product.is_active}>
                      <td className="thumb-cell">
                        {product.image ? (
                          <img className="thumb" src={product.image} alt="" width={40} height={40} loading="lazy" />
                        ) : (
                          <span className="thumb thumb-none" aria-hidden="true" />
                        )}
                      </td>
                      <td>
                        <Link to={`/products/${product.id}`}>{product.name}</Link>
                        {product.is_active ? null : (
                          <>
                            {' '}
                            <span className="badge badge-cancelled">inactive</span>
                          </>
                        )}
                      </td>
                      <td>{product.category_name}</td>
                      <td className="num">
                        {product.price_min === product.price_max ? money(product.price_min) : `${money(product.price_min)} – ${money(product.price_max)}`}
                      </td>
                      <td className="num">
                        <StockEditor
                          product={product}
                          onSave={(stock) => patch(product, { stock }, `Stock of ${product.name} set to ${stock}.`)}
                        />
                      </td>
                      <td>
                        <Toggle
                          label={`${product.name} active`}
                          checked={product.is_active}
                          onChange={(v) =>
                            void patch(product, { is_active: v }, `${product.name} is now ${v ? 'active' : 'inactive'}.`)
                          }
                        />
                      </td>
                      <td>
                        <Toggle
                          label={`${product.name} featured`}
                          checked={product.is_featured}
                          onChange={(v) =>
                            void patch(product, { is_featured: v }, `${product.name} is ${v ? 'now' : 'no longer'} featured.`)
                          }
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={(n) => setPage(String(n))} />
          </>
        )}
      </Loadable>
    </section>
  );
}

function Toggle({ label, checked, onChange }: { label: string; checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="switch">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span className="sr-only">{label}</span>
      <span className="switch-track" aria-hidden="true" />
    </label>
  );
}

function StockEditor({ product, onSave }: { product: ProductItem; onSave: (stock: number) => Promise<void> }) {
  const [value, setValue] = useState(String(product.stock));
  const [busy, setBusy] = useState(false);
  const changed = value !== String(product.stock);
  const valid = /^\d+$/.test(value);
  return (
    <form
      className="stock-editor"
      onSubmit={(e) => {
        e.preventDefault();
        if (!changed || !valid) return;
        setBusy(true);
        void onSave(Number(value)).finally(() => setBusy(false));
      }}
    >
      <input
        aria-label={`Stock of ${product.name}`}
        inputMode="numeric"
        value={value}
        className={product.stock === 0 ? 'danger' : undefined}
        aria-invalid={!valid}
        onChange={(e) => setValue(e.target.value.trim())}
      />
      {changed ? (
        <button type="submit" className="small" disabled={busy || !valid}>
          Save
        </button>
      ) : null}
    </form>
  );
}

/** " (GST 18%)": the default class's name, for the option that means it. */
function taxDefault(classes: { name: string; is_default: boolean }[] | undefined): string {
  const found = classes?.find((t) => t.is_default);
  return found ? ` (${found.name})` : '';
}

interface ProductForm {
  name: string;
  description: string;
  price: string;
  stock: string;
  image_url: string;
  category: string;
  /** A tax class id, or '' for the shop's default class. */
  tax_class: string;
  is_active: boolean;
  is_featured: boolean;
}

const BLANK: ProductForm = {
  name: '',
  description: '',
  price: '',
  stock: '0',
  image_url: '',
  category: '',
  tax_class: '',
  is_active: true,
  is_featured: false,
};

export function ProductEdit({ id }: { id: string | null }) {
  const categories = useAllCategories();
  const product = useLoad(
    () => (id === null ? Promise.resolve(null) : ok(shop.GET('/api/products/{id}/', { params: { path: { id } } }))),
    `product:${id}`,
  );
  return (
    <section>
      <div className="page-head">
        <h1>{id === null ? 'New product' : 'Edit product'}</h1>
        <Link to="/products">Back to products</Link>
      </div>
      <Loadable loaded={product}>
        {(p) => (
          <>
            <ProductFormView key={p?.id ?? 'new'} product={p} categories={categories.data ?? []} />
            {p ? <ProductExtras product={p} reload={product.reload} /> : null}
          </>
        )}
      </Loadable>
    </section>
  );
}

function ProductFormView({ product, categories }: { product: ProductDetail | null; categories: CategoryRow[] }) {
  const toast = useToast();
  const taxClasses = useLoad(() => ok(shop.GET('/api/admin/tax-classes/', { params: { query: { page_size: 100 } } })), 'product-tax-classes');
  const [form, setForm] = useState<ProductForm>(() =>
    product
      ? {
          name: product.name,
          description: product.description,
          price: product.price,
          stock: String(product.stock),
          image_url: product.image_url ?? '',
          category: String(product.category.id),
          tax_class: product.tax_class === null ? '' : String(product.tax_class),
          is_active: product.is_active,
          is_featured: product.is_featured,
        }
      : BLANK,
  );
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof ProductForm>(key: K, value: ProductForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  // With several variants, price and stock live on each variant (the API answers use_variants otherwise).
  const perVariant = (product?.variants.length ?? 1) > 1;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    // What the request's types cannot carry is checked here; the API checks the rest.
    const stock = form.stock === '' ? 0 : /^-?\d+$/.test(form.stock) ? Number(form.stock) : null;
    const local = {
      ...(stock === null ? { stock: ['Stock must be a whole number.'] } : {}),
      ...(form.category === '' ? { category: ['Choose a category.'] } : {}),
    };
    if (stock === null || form.category === '') {
      setErrors(local);
      setBusy(false);
      return;
    }
    const body: RequestBody<'postApiProducts'> = {
      name: form.name,
      description: form.description,
      price: form.price,
      stock,
      image_url: form.image_url === '' ? null : form.image_url,
      category: Number(form.category),
      tax_class: form.tax_class === '' ? null : Number(form.tax_class),
      is_active: form.is_active,
      is_featured: form.is_featured,
    };
    try {
      const { price: _price, stock: _stock, ...shared } = body;
      const saved = product
        ? await ok(shop.PATCH('/api/products/{id}/', { params: { path: { id: product.id } }, body: perVariant ? shared : body }))
        : await ok(shop.POST('/api/products', { body }));
      toast.ok(product ? `Saved ${saved.name}.` : `Created ${saved.name}.`);
      navigate(`/products/${saved.id}`, !product);
      if (product) setBusy(false);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      toast.error(err);
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!product || !confirm(`Delete ${product.name}? This cannot be undone.`)) return;
    try {
      await ok(shop.DELETE('/api/products/{id}/', { params: { path: { id: product.id } } }));
      toast.ok(`Deleted ${product.name}.`);
      navigate('/products');
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        toast.error(`${product.name} appears in orders, so it cannot be deleted. Deactivate it instead: it disappears from the shop but order history keeps it.`);
      } else toast.error(err);
    }
  };

  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate>
      <Field label="Name" errors={errors.name}>
        {(p) => <input {...p} required value={form.name} onChange={(e) => set('name', e.target.value)} />}
      </Field>
      <Field label="Description" errors={errors.description}>
        {(p) => <textarea {...p} rows={4} value={form.description} onChange={(e) => set('description', e.target.value)} />}
      </Field>
      {perVariant ? (
        <p className="muted small" data-testid="per-variant-note">
          Price and stock are set per variant, below.
        </p>
      ) : null}
      <div className="form-row">
        {perVariant ? null : (
          <>
            <Field label="Price (₹)" errors={errors.price}>
              {(p) => <input {...p} inputMode="decimal" required value={form.price} onChange={(e) => set('price', e.target.value)} />}
            </Field>
            <Field label="Stock" errors={errors.stock}>
              {(p) => <input {...p} inputMode="numeric" value={form.stock} onChange={(e) => set('stock', e.target.value)} />}
            </Field>
          </>
        )}
        <Field label="Category" errors={errors.category}>
          {(p) => (
            <select {...p} required value={form.category} onChange={(e) => set('category', e.target.value)}>
              <option value="">Choose a category…</option>
              {categoryOptions(categories).map(({ row, label }) => (
                <option key={row.id} value={row.id}>
                  {label}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Tax class" errors={errors.tax_class} hint="Prices include this tax; variants may have their own class.">
        {(p) => (
          <select {...p} value={form.tax_class} onChange={(e) => set('tax_class', e.target.value)}>
            <option value="">The default class{taxDefault(taxClasses.data?.results)}</option>
            {(taxClasses.data?.results ?? []).map((t) => (
              <option key={t.id} value={t.id}>
                {t.name} ({t.rate}%)
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Image URL" errors={errors.image_url} hint="An http(s) address; leave empty for none.">
        {(p) => <input {...p} type="url" value={form.image_url} onChange={(e) => set('image_url', e.target.value)} />}
      </Field>
      <div className="checks">
        <label>
          <input type="checkbox" checked={form.is_active} onChange={(e) => set('is_active', e.target.checked)} /> Active (shown in
          the shop)
        </label>
        <label>
          <input type="checkbox" checked={form.is_featured} onChange={(e) => set('is_featured', e.target.checked)} /> Featured
        </label>
      </div>
      {product ? (
        <p className="muted small">
          Slug <code>{product.slug}</code> · id {product.id}
        </p>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : product ? 'Save changes' : 'Create product'}
        </button>
        {product ? (
          <button type="button" className="danger" onClick={() => void remove()}>
            Delete
          </button>
        ) : null}
      </div>
    </form>
  );
}
