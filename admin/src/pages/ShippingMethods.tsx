import type { RequestBody, Schemas } from '@shop/client';
import { type FormEvent, useState } from 'react';
import { money, ok, shop } from '../api';
import { Dialog, Field, fieldErrorsOf, Loadable, useLoad, useToast } from '../ui';
import { moneyOrNull, otherErrors, textOf } from './forms';

type ShippingMethod = Schemas['ShippingMethod'];
type ShippingKind = ShippingMethod['kind'];
type ShippingBody = RequestBody<'postApiAdminShippingMethods'>;

/** Grams as staff read them: "500 g", "2 kg", "2.5 kg". */
function weight(grams: number): string {
  return grams >= 1000 ? `${grams / 1000} kg` : `${grams} g`;
}

function priceOf(m: ShippingMethod): string {
  if (m.kind === 'flat') return money(m.price ?? '0');
  return m.rates.map((r) => `up to ${weight(r.up_to_grams)}: ${money(r.price)}`).join(' · ');
}

export function ShippingMethods() {
  const toast = useToast();
  const list = useLoad(() => ok(shop.GET('/api/admin/shipping-methods/', { params: { query: { page_size: 100 } } })), 'shipping-methods');
  const [editing, setEditing] = useState<ShippingMethod | 'new' | null>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const toggle = async (m: ShippingMethod) => {
    setBusy(m.id);
    try {
      await ok(shop.PATCH('/api/admin/shipping-methods/{id}/', { params: { path: { id: m.id } }, body: { is_active: !m.is_active } }));
      toast.ok(`${m.name} ${m.is_active ? 'deactivated' : 'activated'}.`);
      list.reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  const remove = async (m: ShippingMethod) => {
    if (!confirm(`Delete ${m.name}? Orders placed with it keep its name.`)) return;
    setBusy(m.id);
    try {
      await ok(shop.DELETE('/api/admin/shipping-methods/{id}/', { params: { path: { id: m.id } } }));
      toast.ok(`Deleted ${m.name}.`);
      list.reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>Shipping methods</h1>
        <button type="button" onClick={() => setEditing('new')}>
          New shipping method
        </button>
      </div>
      <p className="muted small">
        Shoppers choose among the active methods that ship to their country; without a choice the cheapest is used. With no active
        method, shipping is free.
      </p>
      <Loadable loaded={list} empty={(p) => (p.count === 0 ? 'No shipping methods: every order ships free.' : null)}>
        {(p) => (
          <div className="table-wrap">
            <table className="table cards" data-testid="shipping-methods-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Price</th>
                  <th>Free over</th>
                  <th>Countries</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {p.results.map((m) => (
                  <tr key={m.id} data-name={m.name}>
                    <td>
                      {m.name}
                      <div className="muted small">{m.kind === 'flat' ? 'Flat rate' : 'By weight'}</div>
                    </td>
                    <td className="small" data-testid="shipping-price">
                      {priceOf(m)}
                    </td>
                    <td className="nowrap">{m.free_over === null ? '—' : money(m.free_over)}</td>
                    <td>{m.countries.join(', ')}</td>
                    <td>
                      <span className={`badge ${m.is_active ? 'badge-success' : 'badge-cancelled'}`}>{m.is_active ? 'active' : 'inactive'}</span>
                    </td>
                    <td>
                      <div className="row-actions">
                        <button type="button" className="small secondary" onClick={() => setEditing(m)} aria-label={`Edit ${m.name}`}>
                          Edit
                        </button>
                        <button
                          type="button"
                          className="small secondary"
                          disabled={busy === m.id}
                          onClick={() => void toggle(m)}
                          aria-label={`${m.is_active ? 'Deactivate' : 'Activate'} ${m.name}`}
                        >
                          {m.is_active ? 'Deactivate' : 'Activate'}
                        </button>
                        <button
                          type="button"
                          className="small danger"
                          disabled={busy === m.id}
                          onClick={() => void remove(m)}
                          aria-label={`Delete ${m.name}`}
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loadable>
      {editing ? (
        <ShippingMethodDialog
          method={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
        />
      ) : null}
    </section>
  );
}

interface Band {
  key: number;
  grams: string;
  price: string;
}

let bandKeys = 0;
const band = (grams = '', price = ''): Band => ({ key: ++bandKeys, grams, price });

/** A band's weight as sent: the number when it is a whole one, else the text (the API names `rates.<i>.up_to_grams`). */
function gramsOf(text: string): number {
  const t = text.trim();
  return /^-?\d{1,15}$/.test(t) ? Number(t) : (t as unknown as number);
}

function ShippingMethodDialog({ method, onClose, onSaved }: { method: ShippingMethod | null; onClose: () => void; onSaved: () => void }) {
  const toast = useToast();
  const [name, setName] = useState(method?.name ?? '');
  const [kind, setKind] = useState<ShippingKind>(method?.kind ?? 'flat');
  const [price, setPrice] = useState(textOf(method?.price));
  const [bands, setBands] = useState<Band[]>(
    method?.rates.length ? method.rates.map((r) => band(String(r.up_to_grams), r.price)) : [band('500'), band('2000')],
  );
  const [freeOver, setFreeOver] = useState(textOf(method?.free_over));
  const [countries, setCountries] = useState((method?.countries ?? ['IN']).join(', '));
  const [isActive, setIsActive] = useState(method?.is_active ?? true);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);

  const setBand = (key: number, change: Partial<Band>) => setBands((now) => now.map((b) => (b.key === key ? { ...b, ...change } : b)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    const body: ShippingBody = {
      name: name.trim(),
      kind,
      ...(kind === 'flat'
        ? { price: price.trim(), rates: [] }
        : { price: null, rates: bands.map((b) => ({ up_to_grams: gramsOf(b.grams), price: b.price.trim() })) }),
      free_over: moneyOrNull(freeOver),
      countries: countries
        .split(/[,;]+/)
        .map((c) => c.trim())
        .filter(Boolean),
      is_active: isActive,
    };
    try {
      const saved = method
        ? await ok(shop.PATCH('/api/admin/shipping-methods/{id}/', { params: { path: { id: method.id } }, body }))
        : await ok(shop.POST('/api/admin/shipping-methods/', { body }));
      toast.ok(method ? `Saved ${saved.name}.` : `Created ${saved.name}.`);
      onSaved();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      toast.error(err);
      setBusy(false);
    }
  };

  const onForm = (f: string) =>
    ['name', 'kind', 'price', 'rates', 'free_over', 'countries', 'is_active'].includes(f) || /^(rates|countries)\.\d+(\.|$)/.test(f);
  const rest = otherErrors(errors, onForm);
  const countryErrors = Object.entries(errors)
    .filter(([f]) => f === 'countries' || f.startsWith('countries.'))
    .flatMap(([, m]) => m);

  return (
    <Dialog title={method ? `Edit ${method.name}` : 'New shipping method'} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate data-testid="shipping-method-form">
        {rest.length ? (
          <div className="form-error" role="alert">
            {rest.join(' ')}
          </div>
        ) : null}
        <Field label="Name" errors={errors.name} hint="Shown to shoppers and kept on their orders.">
          {(p) => <input {...p} autoFocus required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <fieldset className="fieldset">
          <legend>Price</legend>
          <label className="inline-field">
            <input type="radio" name="kind" checked={kind === 'flat'} onChange={() => setKind('flat')} /> Flat rate
          </label>{' '}
          <label className="inline-field">
            <input type="radio" name="kind" checked={kind === 'weight'} onChange={() => setKind('weight')} /> By weight
          </label>
          {errors.kind ? <div className="field-error">{errors.kind.join(' ')}</div> : null}
          {kind === 'flat' ? (
            <Field label="Price (₹)" errors={errors.price}>
              {(p) => <input {...p} inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} />}
            </Field>
          ) : (
            <div className="bands" data-testid="weight-bands">
              {errors.price ? <div className="field-error">{errors.price.join(' ')}</div> : null}
              <table className="table bands-table">
                <thead>
                  <tr>
                    <th>Up to (grams)</th>
                    <th>Price (₹)</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {bands.map((b, i) => {
                    const gramsErr = errors[`rates.${i}.up_to_grams`];
                    const priceErr = errors[`rates.${i}.price`];
                    return (
                      <tr key={b.key}>
                        <td className={gramsErr ? 'field-invalid' : undefined}>
                          <input
                            aria-label={`Band ${i + 1} up to grams`}
                            aria-invalid={Boolean(gramsErr)}
                            inputMode="numeric"
                            value={b.grams}
                            onChange={(e) => setBand(b.key, { grams: e.target.value })}
                          />
                          {gramsErr ? <div className="field-error">{gramsErr.join(' ')}</div> : null}
                        </td>
                        <td className={priceErr ? 'field-invalid' : undefined}>
                          <input
                            aria-label={`Band ${i + 1} price`}
                            aria-invalid={Boolean(priceErr)}
                            inputMode="decimal"
                            value={b.price}
                            onChange={(e) => setBand(b.key, { price: e.target.value })}
                          />
                          {priceErr ? <div className="field-error">{priceErr.join(' ')}</div> : null}
                        </td>
                        <td>
                          <button
                            type="button"
                            className="small ghost"
                            aria-label={`Remove band ${i + 1}`}
                            onClick={() => setBands((now) => now.filter((x) => x.key !== b.key))}
                          >
                            ×
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {errors.rates ? <div className="field-error">{errors.rates.join(' ')}</div> : null}
              <button type="button" className="small secondary" onClick={() => setBands((now) => [...now, band()])}>
                + Add band
              </button>
              <p className="muted small">A cart uses the first band its weight fits in; a heavier cart cannot use this method.</p>
            </div>
          )}
        </fieldset>
        <div className="form-row form-row-2">
          <Field label="Free over (₹)" errors={errors.free_over} hint="Free when the subtotal after discount reaches it; blank: never.">
            {(p) => <input {...p} inputMode="decimal" value={freeOver} onChange={(e) => setFreeOver(e.target.value)} />}
          </Field>
          <Field label="Countries" errors={countryErrors.length ? countryErrors : undefined} hint="ISO codes separated by commas: IN, NP.">
            {(p) => <input {...p} value={countries} onChange={(e) => setCountries(e.target.value)} />}
          </Field>
        </div>
        <label className="inline-field">
          <input type="checkbox" checked={isActive} onChange={(e) => setIsActive(e.target.checked)} /> Active
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : method ? 'Save' : 'Create'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
