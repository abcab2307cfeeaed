// The cart: lines with their quantities, the promotion code and the totals.
import { type FormEvent, useEffect, useState, useSyncExternalStore } from 'react';
import {
  changeCart,
  currentCart,
  currentUser,
  errorText,
  money,
  onCartChange,
  onSessionChange,
  refreshCart,
  shop,
} from '../api';
import { Link, navigate } from '../router';
import { Alert, Field, Loading, ProductImage } from '../ui';

export function CartPage() {
  const cart = useSyncExternalStore(onCartChange, currentCart);
  const user = useSyncExternalStore(onSessionChange, currentUser);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void refreshCart().then(() => setLoaded(true));
  }, []);

  const run = async (call: Parameters<typeof changeCart>[0]) => {
    setError(null);
    try {
      await changeCart(call);
    } catch (err) {
      setError(errorText(err));
    }
  };

  if (!loaded && !cart) return <Loading what="Opening your cart" />;
  if (!cart || cart.items.length === 0) {
    return (
      <section className="narrow">
        <h1>Your cart</h1>
        <p className="empty">Your cart is empty.</p>
        <Link to="/search" className="button">
          Start shopping
        </Link>
      </section>
    );
  }
  return (
    <section>
      <h1>Your cart</h1>
      {error && <Alert>{error}</Alert>}
      <div className="cart-layout">
        <ul className="lines" aria-label="Items in your cart">
          {cart.items.map((item) => (
            <li key={item.id} className="line" data-testid="cart-line">
              <ProductImage
                src={item.product.image}
                alt={item.product.name}
                className="line-image"
              />
              <div className="line-info">
                <Link to={`/product/${item.product.slug}`} className="line-name">
                  {item.product.name}
                </Link>
                {item.variant.title !== 'Default' && (
                  <span className="line-variant">{item.variant.title}</span>
                )}
                <span className="line-unit">{money(item.unit_price)} each</span>
              </div>
              <div className="line-qty">
                <label className="sr-only" htmlFor={`qty-${item.id}`}>
                  Quantity of {item.product.name}
                </label>
                <select
                  id={`qty-${item.id}`}
                  value={item.quantity}
                  onChange={(e) =>
                    void run(
                      shop().PATCH('/api/cart/items/{id}/', {
                        params: { path: { id: item.id } },
                        body: { quantity: Number(e.target.value) },
                      }),
                    )
                  }
                >
                  {Array.from({ length: Math.max(10, item.quantity) }, (_, i) => i + 1).map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="link"
                  onClick={() =>
                    void run(
                      shop().DELETE('/api/cart/items/{id}/', { params: { path: { id: item.id } } }),
                    )
                  }
                >
                  Remove<span className="sr-only"> {item.product.name}</span>
                </button>
              </div>
              <strong className="line-total">{money(item.subtotal)}</strong>
            </li>
          ))}
        </ul>

        <aside className="summary" aria-label="Order summary">
          <PromotionForm />
          <dl className="totals">
            <dt>
              Subtotal ({cart.total_items} {cart.total_items === 1 ? 'item' : 'items'})
            </dt>
            <dd>{money(cart.subtotal)}</dd>
            {cart.discount_total !== '0.00' && (
              <>
                <dt>Discount{cart.promotion ? ` (${cart.promotion.code})` : ''}</dt>
                <dd data-testid="cart-discount">−{money(cart.discount_total)}</dd>
              </>
            )}
            <dt>Shipping{cart.shipping_method ? ` (${cart.shipping_method.name})` : ''}</dt>
            <dd>
              {cart.shipping_method
                ? cart.shipping_total === '0.00'
                  ? 'Free'
                  : money(cart.shipping_total)
                : '—'}
            </dd>
            <dt className="grand">Total</dt>
            <dd className="grand" data-testid="cart-total">
              {money(cart.total_amount)}
            </dd>
          </dl>
          <p className="hint">
            Prices include GST ({money(cart.tax_total)}). Choose how it ships at checkout.
          </p>
          <button
            type="button"
            className="wide"
            onClick={() => navigate(user ? '/checkout' : '/signin?next=/checkout')}
          >
            {user ? 'Checkout' : 'Sign in to check out'}
          </button>
        </aside>
      </div>
    </section>
  );
}

/** The promotion code: a form, or the applied code with what it gives and a way to remove it. */
export function PromotionForm() {
  const cart = useSyncExternalStore(onCartChange, currentCart);
  const [code, setCode] = useState('');
  const [errors, setErrors] = useState<string[] | undefined>();
  const [busy, setBusy] = useState(false);
  const promotion = cart?.promotion;

  const apply = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors(undefined);
    try {
      await changeCart(shop().POST('/api/cart/promotion/', { body: { code: code.trim() } }));
      setCode('');
    } catch (err) {
      setErrors([errorText(err)]);
    } finally {
      setBusy(false);
    }
  };

  if (promotion) {
    return (
      <div className={`promo ${promotion.applies ? 'ok' : 'warn'}`} data-testid="promotion">
        <p>
          <strong>{promotion.code}</strong>{' '}
          {promotion.applies
            ? promotion.free_shipping
              ? 'gives you free shipping.'
              : `saves you ${money(promotion.discount)}.`
            : (promotion.message ?? 'does not apply to this cart.')}
        </p>
        <button
          type="button"
          className="link"
          onClick={() =>
            void changeCart(shop().DELETE('/api/cart/promotion/')).catch((err: unknown) =>
              setErrors([errorText(err)]),
            )
          }
        >
          Remove code
        </button>
      </div>
    );
  }
  return (
    <form className="promo-form" onSubmit={(e) => void apply(e)}>
      <Field label="Promotion code" errors={errors}>
        {(props) => (
          <input
            {...props}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="off"
            maxLength={50}
          />
        )}
      </Field>
      <button type="submit" className="secondary" disabled={busy || !code.trim()}>
        Apply
      </button>
    </form>
  );
}
