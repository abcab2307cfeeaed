import type { RequestBody, Schemas } from '@shop/client';
import { type FormEvent, useState } from 'react';
import { ApiError, dateTime, flag, money, ok, shop } from '../api';
import { Dialog, Field, fieldErrorsOf, Loadable, Pagination, useLoad, useQueryParam, useToast } from '../ui';
import { categoryOptions, useAllCategories } from './Categories';
import { fromLocalInput, integerOrNull, moneyOrNull, otherErrors, textOf, toLocalInput } from './forms';

type Promotion = Schemas['Promotion'];
type PromotionKind = Promotion['kind'];
type PromotionBody = RequestBody<'postApiAdminPromotions'>;

const PAGE_SIZE = 25;

const KINDS: Record<PromotionKind, string> = {
  percentage: 'Percentage off',
  fixed_amount: 'Amount off',
  free_shipping: 'Free shipping',
};

/** What the code gives, as staff read it: "10% off", "₹250.00 off", "Free shipping". */
function offerOf(p: Pick<Promotion, 'kind' | 'value'>): string {
  if (p.kind === 'free_shipping') return 'Free shipping';
  if (p.kind === 'percentage') return `${Number(p.value)}% off`;
  return `${money(p.value ?? '0')} off`;
}

function usesOf(p: Promotion): string {
  return p.usage_limit === null ? `${p.times_used}` : `${p.times_used} / ${p.usage_limit}`;
}

/** Whether the code can be used now: active and within its window. */
function stateOf(p: Promotion, now = Date.now()): { label: string; className: string } {
  if (!p.is_active) return { label: 'inactive', className: 'badge-cancelled' };
  if (p.starts_at && Date.parse(p.starts_at) > now) return { label: 'scheduled', className: 'badge-pending' };
  if (p.ends_at && Date.parse(p.ends_at) <= now) return { label: 'expired', className: 'badge-refunded' };
  if (p.usage_limit !== null && p.times_used >= p.usage_limit) return { label: 'used up', className: 'badge-refunded' };
  return { label: 'active', className: 'badge-success' };
}

export function Promotions() {
  const toast = useToast();
  const [search, setSearch] = useQueryParam('search');
  const [active, setActive] = useQueryParam('active');
  const [pageParam, setPage] = useQueryParam('page', '1');
  const [typed, setTyped] = useState(search);
  const [editing, setEditing] = useState<Promotion | 'new' | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const page = Math.max(1, Number(pageParam) || 1);
  const query = { search: search.trim() || undefined, is_active: flag(active), page, page_size: PAGE_SIZE };
  const list = useLoad(() => ok(shop.GET('/api/admin/promotions/', { params: { query } })), `promotions:${JSON.stringify(query)}`);

  const toggle = async (p: Promotion) => {
    setBusy(p.id);
    try {
      await ok(shop.PATCH('/api/admin/promotions/{id}/', { params: { path: { id: p.id } }, body: { is_active: !p.is_active } }));
      toast.ok(`${p.code} ${p.is_active ? 'deactivated' : 'activated'}.`);
      list.reload();
    } catch (err) {
      toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  const remove = async (p: Promotion) => {
    if (!confirm(`Delete the code ${p.code}?`)) return;
    setBusy(p.id);
    try {
      await ok(shop.DELETE('/api/admin/promotions/{id}/', { params: { path: { id: p.id } } }));
      toast.ok(`Deleted ${p.code}.`);
      list.reload();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409) {
        toast.error(`${p.code} has been used by orders, so it cannot be deleted. Deactivate it instead.`);
      } else toast.error(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>Promotions</h1>
        <button type="button" onClick={() => setEditing('new')}>
          New promotion
        </button>
      </div>
      <div className="filters">
        <form
          className="field"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setSearch(typed.trim());
          }}
        >
          <label htmlFor="promotion-search">Code</label>
          <div className="inline">
            <input
              id="promotion-search"
              type="search"
              maxLength={50}
              value={typed}
              onChange={(e) => {
                setTyped(e.target.value);
                if (e.target.value === '') setSearch('');
              }}
            />
            <button type="submit" className="secondary">
              Find
            </button>
          </div>
        </form>
        <div className="field">
          <label htmlFor="promotion-active">Status</label>
          <select id="promotion-active" value={active} onChange={(e) => setActive(e.target.value)}>
            <option value="">Any</option>
            <option value="true">Active</option>
            <option value="false">Inactive</option>
          </select>
        </div>
      </div>
      <Loadable loaded={list} empty={(p) => (p.count === 0 ? (search || active ? 'No promotion matches.' : 'No promotions yet. Create the first code.') : null)}>
        {(p) => (
          <>
            <div className="table-wrap">
              <table className="table cards" data-testid="promotions-table">
                <thead>
                  <tr>
                    <th>Code</th>
                    <th>Offer</th>
                    <th>Conditions</th>
                    <th className="num">Times used</th>
                    <th>Status</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {p.results.map((x) => {
                    const state = stateOf(x);
                    return (
                      <tr key={x.id} data-code={x.code}>
                        <td>
                          <code>{x.code}</code>
                          {x.description ? <div className="muted small">{x.description}</div> : null}
                        </td>
                        <td>{offerOf(x)}</td>
                        <td className="small">
                          {x.min_subtotal !== null ? <div>Orders from {money(x.min_subtotal)}</div> : null}
                          {x.starts_at || x.ends_at ? (
                            <div>
                              {x.starts_at ? `From ${dateTime(x.starts_at)}` : 'Now'} {x.ends_at ? `until ${dateTime(x.ends_at)}` : 'onwards'}
                            </div>
                          ) : null}
                          {x.per_customer_limit !== null ? <div>{x.per_customer_limit} per customer</div> : null}
                          {x.applies_to ? (
                            <div>
                              Only {x.applies_to.categories.length ? `${x.applies_to.categories.length} categor${x.applies_to.categories.length === 1 ? 'y' : 'ies'}` : ''}
                              {x.applies_to.categories.length && x.applies_to.products.length ? ' and ' : ''}
                              {x.applies_to.products.length ? `${x.applies_to.products.length} product${x.applies_to.products.length === 1 ? '' : 's'}` : ''}
                            </div>
                          ) : null}
                          {x.min_subtotal === null && !x.starts_at && !x.ends_at && x.per_customer_limit === null && !x.applies_to ? (
                            <span className="muted">None</span>
                          ) : null}
                        </td>
                        <td className="num" data-testid="times-used">
                          {usesOf(x)}
                        </td>
                        <td>
                          <span className={`badge ${state.className}`} data-testid="promotion-state">
                            {state.label}
                          </span>
                        </td>
                        <td>
                          <div className="row-actions">
                            <button type="button" className="small secondary" onClick={() => setEditing(x)} aria-label={`Edit ${x.code}`}>
                              Edit
                            </button>
                            <button
                              type="button"
                              className="small secondary"
                              disabled={busy === x.id}
                              onClick={() => void toggle(x)}
                              aria-label={`${x.is_active ? 'Deactivate' : 'Activate'} ${x.code}`}
                            >
                              {x.is_active ? 'Deactivate' : 'Activate'}
                            </button>
                            <button
                              type="button"
                              className="small danger"
                              disabled={busy === x.id}
                              onClick={() => void remove(x)}
                              aria-label={`Delete ${x.code}`}
                            >
                              Delete
                            </button>
                          </div>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <Pagination page={page} count={p.count} pageSize={PAGE_SIZE} onPage={(n) => setPage(String(n))} />
          </>
        )}
      </Loadable>
      {editing ? (
        <PromotionDialog
          promotion={editing === 'new' ? null : editing}
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

const FORM_FIELDS = new Set([
  'code',
  'description',
  'kind',
  'value',
  'min_subtotal',
  'starts_at',
  'ends_at',
  'usage_limit',
  'per_customer_limit',
  'applies_to',
  'applies_to.categories',
  'applies_to.products',
  'is_active',
]);

/** Product ids typed as "12, 15 18": the numbers, or the text itself when it is not a list of them (the API names it). */
function productIds(text: string): number[] {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  return parts.map((p) => (/^\d{1,10}$/.test(p) ? Number(p) : (p as unknown as number)));
}

function PromotionDialog({ promotion, onClose, onSaved }: { promotion: Promotion | null; onClose: () => void; onSaved: () => void }) {
  const toast = useToast();
  const categories = useAllCategories('promotion-categories');
  const [code, setCode] = useState(promotion?.code ?? '');
  const [description, setDescription] = useState(promotion?.description ?? '');
  const [kind, setKind] = useState<PromotionKind>(promotion?.kind ?? 'percentage');
  const [value, setValue] = useState(textOf(promotion?.value));
  const [minSubtotal, setMinSubtotal] = useState(textOf(promotion?.min_subtotal));
  const [startsAt, setStartsAt] = useState(toLocalInput(promotion?.starts_at));
  const [endsAt, setEndsAt] = useState(toLocalInput(promotion?.ends_at));
  const [usageLimit, setUsageLimit] = useState(textOf(promotion?.usage_limit));
  const [perCustomer, setPerCustomer] = useState(textOf(promotion?.per_customer_limit));
  const [limited, setLimited] = useState(promotion?.applies_to !== null && promotion?.applies_to !== undefined);
  const [categoryIds, setCategoryIds] = useState<Set<number>>(new Set(promotion?.applies_to?.categories ?? []));
  const [products, setProducts] = useState((promotion?.applies_to?.products ?? []).join(', '));
  const [isActive, setIsActive] = useState(promotion?.is_active ?? true);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    const body: PromotionBody = {
      code: code.trim(),
      description,
      kind,
      value: kind === 'free_shipping' ? null : moneyOrNull(value),
      min_subtotal: moneyOrNull(minSubtotal),
      starts_at: fromLocalInput(startsAt),
      ends_at: fromLocalInput(endsAt),
      usage_limit: integerOrNull(usageLimit),
      per_customer_limit: integerOrNull(perCustomer),
      applies_to: limited ? { categories: [...categoryIds], products: productIds(products) } : null,
      is_active: isActive,
    };
    try {
      const saved = promotion
        ? await ok(shop.PUT('/api/admin/promotions/{id}/', { params: { path: { id: promotion.id } }, body }))
        : await ok(shop.POST('/api/admin/promotions/', { body }));
      toast.ok(promotion ? `Saved ${saved.code}.` : `Created ${saved.code}.`);
      onSaved();
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      toast.error(err);
      setBusy(false);
    }
  };

  const rest = otherErrors(errors, (f) => FORM_FIELDS.has(f));
  const toggleCategory = (id: number) =>
    setCategoryIds((now) => {
      const next = new Set(now);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <Dialog title={promotion ? `Edit ${promotion.code}` : 'New promotion'} onClose={onClose}>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate data-testid="promotion-form">
        {rest.length ? (
          <div className="form-error" role="alert">
            {rest.join(' ')}
          </div>
        ) : null}
        <div className="form-row form-row-2">
          <Field label="Code" errors={errors.code} hint="Letters, digits, - and _; shoppers may type it in any case.">
            {(p) => <input {...p} autoFocus required maxLength={50} value={code} onChange={(e) => setCode(e.target.value)} />}
          </Field>
          <Field label="Kind" errors={errors.kind}>
            {(p) => (
              <select {...p} value={kind} onChange={(e) => setKind(e.target.value as PromotionKind)}>
                {Object.entries(KINDS).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field label="Description" errors={errors.description}>
          {(p) => <input {...p} maxLength={2000} value={description} onChange={(e) => setDescription(e.target.value)} />}
        </Field>
        <div className="form-row form-row-2">
          {kind === 'free_shipping' ? (
            <Field label="Value" errors={errors.value} hint="Free shipping takes no value.">
              {(p) => <input {...p} disabled value="" />}
            </Field>
          ) : (
            <Field
              label={kind === 'percentage' ? 'Percentage off' : 'Amount off (₹)'}
              errors={errors.value}
              hint={kind === 'percentage' ? '0 to 100, up to 2 decimals.' : 'Rupees, up to 2 decimals.'}
            >
              {(p) => <input {...p} inputMode="decimal" value={value} onChange={(e) => setValue(e.target.value)} />}
            </Field>
          )}
          <Field label="Minimum subtotal (₹)" errors={errors.min_subtotal} hint="Blank: any cart.">
            {(p) => <input {...p} inputMode="decimal" value={minSubtotal} onChange={(e) => setMinSubtotal(e.target.value)} />}
          </Field>
        </div>
        <div className="form-row form-row-2">
          <Field label="Starts" errors={errors.starts_at} hint="Blank: at once.">
            {(p) => <input {...p} type="datetime-local" value={startsAt} onChange={(e) => setStartsAt(e.target.value)} />}
          </Field>
          <Field label="Ends" errors={errors.ends_at} hint="Blank: never.">
            {(p) => <input {...p} type="datetime-local" value={endsAt} onChange={(e) => setEndsAt(e.target.value)} />}
          </Field>
        </div>
        <div className="form-row form-row-2">
          <Field label="Usage limit" errors={errors.usage_limit} hint="Orders in all; blank: no limit.">
            {(p) => <input {...p} inputMode="numeric" value={usageLimit} onChange={(e) => setUsageLimit(e.target.value)} />}
          </Field>
          <Field label="Per customer" errors={errors.per_customer_limit} hint="Orders per customer; blank: no limit.">
            {(p) => <input {...p} inputMode="numeric" value={perCustomer} onChange={(e) => setPerCustomer(e.target.value)} />}
          </Field>
        </div>
        <fieldset className={`fieldset${errors.applies_to ? ' field-invalid' : ''}`}>
          <legend>Applies to</legend>
          <label className="inline-field">
            <input type="radio" name="applies" checked={!limited} onChange={() => setLimited(false)} /> Every product
          </label>{' '}
          <label className="inline-field">
            <input type="radio" name="applies" checked={limited} onChange={() => setLimited(true)} /> Only these categories and products
          </label>
          {errors.applies_to ? <div className="field-error">{errors.applies_to.join(' ')}</div> : null}
          {limited ? (
            <>
              <div className={`field${errors['applies_to.categories'] ? ' field-invalid' : ''}`}>
                <span className="label">Categories (their sub-categories count too)</span>
                <div className="check-list" role="group" aria-label="Categories">
                  {(categories.data ? categoryOptions(categories.data) : []).map(({ row, label }) => (
                    <label key={row.id}>
                      <input type="checkbox" checked={categoryIds.has(row.id)} onChange={() => toggleCategory(row.id)} /> {label.trim()}
                    </label>
                  ))}
                  {categories.data?.length === 0 ? <span className="muted small">No categories.</span> : null}
                </div>
                {errors['applies_to.categories'] ? <div className="field-error">{errors['applies_to.categories'].join(' ')}</div> : null}
              </div>
              <Field label="Product ids" errors={errors['applies_to.products']} hint="Separated by commas, e.g. 12, 15.">
                {(p) => <input {...p} value={products} onChange={(e) => setProducts(e.target.value)} />}
              </Field>
            </>
          ) : null}
        </fieldset>
        <label className="inline-field">
          <input type="checkbox" checked={isActive} onChange={(e) => setIsActive(e.target.checked)} /> Active
        </label>
        {promotion ? <p className="muted small">Used by {promotion.times_used} order{promotion.times_used === 1 ? '' : 's'} so far.</p> : null}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : promotion ? 'Save' : 'Create'}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
