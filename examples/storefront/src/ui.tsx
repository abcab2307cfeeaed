// Small shared pieces: loading data, product cards, prices, messages, form fields.
import {
  type DependencyList,
  type ReactNode,
  useCallback,
  useEffect,
  useId,
  useState,
} from 'react';
import type { Schemas } from '@shop/client';
import { errorText, money } from './api';
import { Link } from './router';

type ProductListItem = Schemas['ProductListItem'];

/** Loads data when `deps` change: `{data, error, loading, reload}`; a stale answer is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList) {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) => live && setState({ data: null, error: errorText(err), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload };
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

export function Alert({
  children,
  kind = 'error',
}: {
  children: ReactNode;
  kind?: 'error' | 'ok' | 'info';
}) {
  return (
    <div className={`alert ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** A price, or a range when the product's variants differ ("₹499.00 – ₹699.00"). */
function PriceRange({ min, max }: { min: string; max: string }) {
  return (
    <span className="price">{min === max ? money(min) : `${money(min)} – ${money(max)}`}</span>
  );
}

/** The thumbnail, or a soft placeholder with the product's initial when it has none. */
export function ProductImage({
  src,
  alt,
  className,
}: {
  src: string | null;
  alt: string;
  className?: string;
}) {
  if (!src) {
    return (
      <div
        className={`placeholder ${className ?? ''}`}
        role="img"
        aria-label={`${alt} (no picture yet)`}
      >
        <span aria-hidden="true">{alt.trim().charAt(0).toUpperCase() || '?'}</span>
      </div>
    );
  }
  return <img className={className} src={src} alt={alt} loading="lazy" />;
}

function ProductCard({ product }: { product: ProductListItem }) {
  return (
    <li className="card" data-testid="product-card">
      <Link to={`/product/${product.slug}`} className="card-link" aria-label={product.name}>
        <ProductImage src={product.image} alt={product.name} className="card-image" />
      </Link>
      <div className="card-body">
        <span className="card-category">{product.category_name}</span>
        <Link to={`/product/${product.slug}`} className="card-title">
          {product.name}
        </Link>
        <div className="card-foot">
          <PriceRange min={product.price_min} max={product.price_max} />
          {!product.in_stock && <span className="badge muted">Sold out</span>}
        </div>
      </div>
    </li>
  );
}

export function ProductGrid({
  products,
  empty,
}: {
  products: ProductListItem[];
  empty?: ReactNode;
}) {
  if (products.length === 0) return <p className="empty">{empty ?? 'No products here yet.'}</p>;
  return (
    <ul className="grid" aria-label="Products">
      {products.map((p) => (
        <ProductCard key={p.id} product={p} />
      ))}
    </ul>
  );
}

/** A labelled input with the API's messages for that field under it. */
export function Field({
  label,
  errors,
  children,
  hint,
}: {
  label: string;
  errors?: string[] | undefined;
  hint?: string;
  children: (props: {
    id: string;
    'aria-invalid': boolean;
    'aria-describedby'?: string;
  }) => ReactNode;
}) {
  const id = useId();
  const describedBy = errors?.length ? `${id}-error` : hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({
        id,
        'aria-invalid': Boolean(errors?.length),
        ...(describedBy ? { 'aria-describedby': describedBy } : {}),
      })}
      {errors?.length ? (
        <span className="field-error" id={`${id}-error`}>
          {errors.join(' ')}
        </span>
      ) : hint ? (
        <span className="hint" id={`${id}-hint`}>
          {hint}
        </span>
      ) : null}
    </div>
  );
}

const STATUS_LABELS: Record<string, string> = {
  pending: 'Awaiting payment',
  paid: 'Paid',
  processing: 'Being packed',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
  payment_failed: 'Payment failed',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge status-${status}`} data-testid="order-status">
      {STATUS_LABELS[status] ?? status}
    </span>
  );
}
