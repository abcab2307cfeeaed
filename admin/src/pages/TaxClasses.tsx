import type { Schemas } from '@shop/client';
import { type FormEvent, useState } from 'react';
import { ApiError, ok, shop } from '../api';
import { Dialog, Field, fieldErrorsOf, Loadable, useLoad, useToast } from '../ui';
import { otherErrors } from './forms';

type TaxClass = Schemas['TaxClass'];

export function TaxClasses() {
  const toast = useToast();
  const list = useLoad(() => ok(shop.GET('/api/admin/tax-classes/', { params: { query: { page_size: 100 } } })), 'tax-classes');
  const [editing, setEditing] = useState<TaxClass | 'new' | null>(null);
  const [busy, setBusy] = useState<number | null>(null);

  const makeDefault = async (t: TaxClass) => {
    setBusy(t.id);
    try {
      await ok(shop.PATCH('/api/admin/tax-classes/{id}/', { params: { path: { id: t.id } }, body: { is_default: true } }));
      toast.ok(`${t.name} is now the default tax class.`);
      list.reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  const remove = async (t: TaxClass) => {
    if (!confirm(`Delete ${t.name}? Products and variants in it go back to the default class.`)) return;
    setBusy(t.id);
    try {
      await ok(shop.DELETE('/api/admin/tax-classes/{id}/', { params: { path: { id: t.id } } }));
      toast.ok(`Deleted ${t.name}.`);
      list.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        toast.error(`${t.name} is the default class and cannot be deleted. Make another class the default first.`);
      } else toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>Tax classes</h1>
        <button type="button" onClick={() => setEditing('new')}>
          New tax class
        </button>
      </div>
      <p className="muted small">
        Prices include tax. A product or variant without a class of its own is sold under the default class; the tax of a line is
        extracted from what is paid for it after its discount.
      </p>
      <Loadable loaded={list} empty={(p) => (p.count === 0 ? 'No tax classes.' : null)}>
        {(p) => (
          <div className="table-wrap">
            <table className="table cards" data-testid="tax-classes-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th className="num">Rate</th>
                  <th>Default</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {p.results.map((t) => (
                  <tr key={t.id} data-name={t.name}>
                    <td>{t.name}</td>
                    <td className="num">{t.rate}%</td>
                    <td>{t.is_default ? <span className="badge badge-success" data-testid="default-badge">default</span> : null}</td>
                    <td>
                      <div className="row-actions">
                        <button type="button" className="small secondary" onClick={() => setEditing(t)} aria-label={`Edit ${t.name}`}>
                          Edit
                        </button>
                        {t.is_default ? null : (
                          <button
                            type="button"
                            className="small secondary"
                            disabled={busy === t.id}
                            onClick={() => void makeDefault(t)}
                            aria-label={`Make ${t.name} the default`}
                          >
                            Make default
                          </button>
                        )}
                        <button
                          type="button"
                          className="small danger"
                          disabled={busy === t.id || t.is_default}
                          title={t.is_default ? 'The default class cannot be deleted.' : undefined}
                          onClick={() => void remove(t)}
                          aria-label={`Delete ${t.name}`}
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
        <TaxClassDialog
          taxClass={editing === 'new' ? null : editing}
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

function TaxClassDialog({ taxClass, onClose, onSaved }: { taxClass: TaxClass | null; onClose: () => void; onSaved: () => void }) {
  const toast = useToast();
  const [name, setName] = useState(taxClass?.name ?? '');
  const [rate, setRate] = useState(taxClass?.rate ?? '');
  const [isDefault, setIsDefault] = useState(taxClass?.is_default ?? false);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    // A default class stays the default until another is made the default.
    const body = { name: name.trim(), rate: rate.trim(), ...(isDefault && !taxClass?.is_default ? { is_default: true } : {}) };
    try {
      const saved = taxClass
        ? await ok(shop.PATCH('/api/admin/tax-classes/{id}/', { params: { path: { id: taxClass.id } }, body }))
        : await ok(shop.POST('/api/admin/tax-classes/', { body }));
      toast.ok(taxClass ? `Saved ${saved.name}.` : `Created ${saved.name}.`);
      onSaved();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      toast.error(err);
      setBusy(false);
    }
  };
  const rest = otherErrors(errors, (f) => ['name', 'rate', 'is_default'].includes(f));

  return (
    <Dialog title={taxClass ? `Edit ${taxClass.name}` : 'New tax class'} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate data-testid="tax-class-form">
        {rest.length ? (
          <div className="form-error" role="alert">
            {rest.join(' ')}
          </div>
        ) : null}
        <Field label="Name" errors={errors.name}>
          {(p) => <input {...p} autoFocus required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Rate (%)" errors={errors.rate} hint="0 to 100, up to 2 decimals, e.g. 18.00.">
          {(p) => <input {...p} inputMode="decimal" value={rate} onChange={(e) => setRate(e.target.value)} />}
        </Field>
        <label className="inline-field">
          <input type="checkbox" checked={isDefault} disabled={taxClass?.is_default} onChange={(e) => setIsDefault(e.target.checked)} /> The
          default class
        </label>
        {errors.is_default ? <div className="field-error">{errors.is_default.join(' ')}</div> : null}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : taxClass ? 'Save' : 'Create'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
