// Checkout: an address in India, a shipping method, the total, "Place order" — then the
// order's page takes the payment.
import { type FormEvent, useEffect, useState, useSyncExternalStore } from 'react';
import type { Schemas } from '@shop/client';
import {
  ApiError,
  currentCart,
  errorText,
  fromPaise,
  money,
  ok,
  onCartChange,
  paise,
  refreshCart,
  setCart,
  shop,
} from '../api';
import { Link, navigate } from '../router';
import { Alert, Field, Loading, useLoad } from '../ui';
import { PromotionForm } from './Cart';

type Address = Schemas['ShippingAddressInput'];

const STATES = [
  'Andaman and Nicobar Islands',
  'Andhra Pradesh',
  'Arunachal Pradesh',
  'Assam',
  'Bihar',
  'Chandigarh',
  'Chhattisgarh',
  'Dadra and Nagar Haveli and Daman and Diu',
  'Delhi',
  'Goa',
  'Gujarat',
  'Haryana',
  'Himachal Pradesh',
  'Jammu and Kashmir',
  'Jharkhand',
  'Karnataka',
  'Kerala',
  'Ladakh',
  'Lakshadweep',
  'Madhya Pradesh',
  'Maharashtra',
  'Manipur',
  'Meghalaya',
  'Mizoram',
  'Nagaland',
  'Odisha',
  'Puducherry',
  'Punjab',
  'Rajasthan',
  'Sikkim',
  'Tamil Nadu',
  'Telangana',
  'Tripura',
  'Uttar Pradesh',
  'Uttarakhand',
  'West Bengal',
];

const EMPTY: Address = {
  street_address: '',
  city: '',
  state: '',
  postal_code: '',
  country: 'India',
};

export function Checkout() {
  const cart = useSyncExternalStore(onCartChange, currentCart);
  const saved = useLoad(() => ok(shop().GET('/api/auth/addresses/')), []);
  const methods = useLoad(
    () => ok(shop().GET('/api/cart/shipping-methods/', { params: { query: { country: 'IN' } } })),
    [cart?.subtotal, cart?.discount_total],
  );
  const [address, setAddress] = useState<Address>(EMPTY);
  const [methodId, setMethodId] = useState<number | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One key per attempt at this checkout: a retried click cannot place two orders.
  const [idempotencyKey] = useState(() => crypto.randomUUID());

  useEffect(() => {
    void refreshCart();
  }, []);
  // A saved default shipping address fills the form.
  useEffect(() => {
    const preferred =
      saved.data?.find((a) => a.address_type === 'shipping' && a.is_default) ?? saved.data?.[0];
    if (preferred) {
      const { street_address, city, state, postal_code, country } = preferred;
      setAddress({ street_address, city, state, postal_code, country });
    }
  }, [saved.data]);
  useEffect(() => {
    const list = methods.data ?? [];
    if (list.length && !list.some((m) => m.id === methodId)) setMethodId(list[0]!.id);
  }, [methods.data, methodId]);

  if (!cart) return <Loading what="Opening your cart" />;
  if (cart.items.length === 0) {
    return (
      <section className="narrow">
        <h1>Checkout</h1>
        <p className="empty">Your cart is empty.</p>
        <Link to="/search">Continue shopping</Link>
      </section>
    );
  }

  const method = methods.data?.find((m) => m.id === methodId) ?? null;
  const freeShipping = Boolean(cart.promotion?.applies && cart.promotion.free_shipping);
  const shipping = method && !freeShipping ? method.price : '0.00';
  const total = fromPaise(paise(cart.subtotal) - paise(cart.discount_total) + paise(shipping));

  const set = (name: keyof Address) => (value: string) =>
    setAddress((a) => ({ ...a, [name]: value }));
  const fieldErrors = (name: keyof Address) => errors[`shipping_address.${name}`] ?? errors[name];

  const place = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const order = await ok(
        shop().POST('/api/orders/create_order/', {
          body: {
            shipping_address: address,
            ...(methodId ? { shipping_method_id: methodId } : {}),
          },
          headers: { 'Idempotency-Key': idempotencyKey },
        }),
      );
      setCart(null);
      void refreshCart();
      navigate(`/orders/${order.id}`);
    } catch (err) {
      if (err instanceof ApiError) setErrors(err.fieldErrors());
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Checkout</h1>
      {error && <Alert>{error}</Alert>}
      <div className="checkout-layout">
        {/* The address and shipping form; its button sits in the summary (which has the code's own form). */}
        <form id="checkout-form" className="checkout-main" onSubmit={(e) => void place(e)}>
          <fieldset className="panel">
            <legend>Delivery address</legend>
            <Field label="Street address" errors={fieldErrors('street_address')}>
              {(p) => (
                <input
                  {...p}
                  required
                  autoComplete="street-address"
                  value={address.street_address}
                  onChange={(e) => set('street_address')(e.target.value)}
                />
              )}
            </Field>
            <div className="two">
              <Field label="City" errors={fieldErrors('city')}>
                {(p) => (
                  <input
                    {...p}
                    required
                    autoComplete="address-level2"
                    value={address.city}
                    onChange={(e) => set('city')(e.target.value)}
                  />
                )}
              </Field>
              <Field label="PIN code" errors={fieldErrors('postal_code')}>
                {(p) => (
                  <input
                    {...p}
                    required
                    inputMode="numeric"
                    autoComplete="postal-code"
                    pattern="[1-9][0-9]{2} ?[0-9]{3}"
                    title="Six digits, not starting with 0"
                    value={address.postal_code}
                    onChange={(e) => set('postal_code')(e.target.value)}
                  />
                )}
              </Field>
            </div>
            <div className="two">
              <Field label="State" errors={fieldErrors('state')}>
                {(p) => (
                  <select
                    {...p}
                    required
                    autoComplete="address-level1"
                    value={address.state}
                    onChange={(e) => set('state')(e.target.value)}
                  >
                    <option value="">Choose a state</option>
                    {STATES.includes(address.state) || !address.state ? null : (
                      <option value={address.state}>{address.state}</option>
                    )}
                    {STATES.map((s) => (
                      <option key={s} value={s}>
                        {s}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label="Country" errors={fieldErrors('country')}>
                {(p) => <input {...p} value="India" readOnly />}
              </Field>
            </div>
          </fieldset>

          <fieldset className="panel">
            <legend>Shipping</legend>
            {methods.loading && <Loading what="Finding shipping methods" />}
            {methods.error && <Alert>{methods.error}</Alert>}
            {methods.data?.length === 0 && <p className="hint">Shipping is included.</p>}
            {errors.shipping_method_id && (
              <span className="field-error">{errors.shipping_method_id.join(' ')}</span>
            )}
            <div className="methods">
              {methods.data?.map((m) => (
                <label key={m.id} className={`method ${m.id === methodId ? 'chosen' : ''}`}>
                  <input
                    type="radio"
                    name="shipping-method"
                    checked={m.id === methodId}
                    onChange={() => setMethodId(m.id)}
                  />
                  <span className="method-name">{m.name}</span>
                  <span className="method-price">
                    {m.price === '0.00' || freeShipping ? 'Free' : money(m.price)}
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
        </form>

        <aside className="summary" aria-label="Order summary">
          <h2>Summary</h2>
          <ul className="summary-lines">
            {cart.items.map((item) => (
              <li key={item.id}>
                <span>
                  {item.quantity} × {item.product.name}
                  {item.variant.title !== 'Default' && <small> · {item.variant.title}</small>}
                </span>
                <span>{money(item.subtotal)}</span>
              </li>
            ))}
          </ul>
          <PromotionForm />
          <dl className="totals">
            <dt>Subtotal</dt>
            <dd>{money(cart.subtotal)}</dd>
            {cart.discount_total !== '0.00' && (
              <>
                <dt>Discount{cart.promotion ? ` (${cart.promotion.code})` : ''}</dt>
                <dd>−{money(cart.discount_total)}</dd>
              </>
            )}
            <dt>Shipping{method ? ` (${method.name})` : ''}</dt>
            <dd>{shipping === '0.00' ? 'Free' : money(shipping)}</dd>
            <dt className="grand">Total</dt>
            <dd className="grand" data-testid="checkout-total">
              {money(total)}
            </dd>
          </dl>
          <button type="submit" form="checkout-form" className="wide" disabled={busy}>
            {busy ? 'Placing your order…' : 'Place order'}
          </button>
          <p className="hint">You pay on the next step.</p>
        </aside>
      </div>
    </section>
  );
}
