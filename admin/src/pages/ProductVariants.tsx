import type { Schemas } from '@shop/client';
import { useState } from 'react';
import { ApiError, errorText, ok, shop } from '../api';
import { useToast } from '../ui';

type Variant = Schemas['Variant'];
type ProductImage = Schemas['ProductImage'];

/** A grid row as typed: text boxes hold strings until the save converts them. */
interface Row {
  sku: string;
  price: string;
  compare_at_price: string;
  stock: string;
  weight_grams: string;
  is_active: boolean;
  image_id: string;
}

type Cell = keyof Row;
type CellErrors = Record<number, Partial<Record<Cell | 'row', string[]>>>;

const CELLS: readonly Cell[] = ['sku', 'price', 'compare_at_price', 'stock', 'weight_grams', 'is_active', 'image_id'];

function rowOf(v: Variant): Row {
  return {
    sku: v.sku,
    price: v.price,
    compare_at_price: v.compare_at_price ?? '',
    stock: String(v.stock),
    weight_grams: v.weight_grams === null ? '' : String(v.weight_grams),
    is_active: v.is_active,
    image_id: v.image_id === null ? '' : String(v.image_id),
  };
}

type VariantChange = Partial<Pick<Variant, 'sku' | 'price' | 'compare_at_price' | 'stock' | 'weight_grams' | 'is_active' | 'image_id'>> & {
  id: number;
};

/** The changed cells of one row as the API takes them, or the cells that cannot be sent. */
function changeOf(v: Variant, row: Row): { change: VariantChange | null; errors: CellErrors[number] } {
  const before = rowOf(v);
  const change: VariantChange = { id: v.id };
  const errors: CellErrors[number] = {};
  const whole = (cell: 'stock' | 'weight_grams', text: string, empty: number | null): number | null | undefined => {
    const t = text.trim();
    if (t === '') {
      if (empty === null) return null;
      errors[cell] = ['Enter a whole number.'];
      return undefined;
    }
    if (!/^\d+$/.test(t)) {
      errors[cell] = ['Must be a whole number, 0 or more.'];
      return undefined;
    }
    return Number(t);
  };
  let changed = false;
  for (const cell of CELLS) {
    if (row[cell] === before[cell]) continue;
    changed = true;
    if (cell === 'sku') change.sku = row.sku.trim();
    else if (cell === 'price') change.price = row.price.trim();
    else if (cell === 'compare_at_price') change.compare_at_price = row.compare_at_price.trim() || null;
    else if (cell === 'is_active') change.is_active = row.is_active;
    else if (cell === 'image_id') change.image_id = row.image_id === '' ? null : Number(row.image_id);
    else if (cell === 'stock') {
      const n = whole('stock', row.stock, 0);
      if (typeof n === 'number') change.stock = n;
    } else {
      const n = whole('weight_grams', row.weight_grams, null);
      if (n !== undefined) change.weight_grams = n;
    }
  }
  return { change: changed ? change : null, errors };
}

/** The API's messages for `variants.<index>.<field>`, placed on the cells of the rows that were sent. */
function cellErrorsOf(err: unknown, sent: VariantChange[]): CellErrors {
  const out: CellErrors = {};
  if (!(err instanceof ApiError)) return out;
  for (const [key, messages] of Object.entries(err.fieldErrors())) {
    const m = /^variants\.(\d+)(?:\.(\w+))?/.exec(key);
    const id = m ? sent[Number(m[1])]?.id : undefined;
    if (id === undefined) continue;
    const cell = (CELLS as readonly string[]).includes(m![2] ?? '') ? (m![2] as Cell) : 'row';
    (out[id] ??= {})[cell] = [...(out[id]?.[cell] ?? []), ...messages];
  }
  return out;
}

/** All of a product's variants in one grid, saved in one request. */
export function VariantsGrid({
  productId,
  variants,
  images,
  onSaved,
}: {
  productId: number;
  variants: Variant[];
  images: ProductImage[];
  onSaved: () => void;
}) {
  const toast = useToast();
  const [rows, setRows] = useState<Record<number, Row>>(() => Object.fromEntries(variants.map((v) => [v.id, rowOf(v)])));
  const [errors, setErrors] = useState<CellErrors>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sortedImages = [...images].sort((a, b) => a.position - b.position);
  const dirty = variants.some((v) => rows[v.id] && changeOf(v, rows[v.id]!).change);

  const set = (id: number, cell: Cell, value: string | boolean) =>
    setRows((all) => ({ ...all, [id]: { ...all[id]!, [cell]: value } }));

  const save = async () => {
    setProblem(null);
    const local: CellErrors = {};
    const sent: VariantChange[] = [];
    for (const v of variants) {
      const { change, errors: cells } = changeOf(v, rows[v.id] ?? rowOf(v));
      if (Object.keys(cells).length) local[v.id] = cells;
      else if (change) sent.push(change);
    }
    setErrors(local);
    if (Object.keys(local).length) {
      setProblem('Nothing was saved: correct the cells marked in red.');
      return;
    }
    if (sent.length === 0) return;
    setBusy(true);
    try {
      await ok(shop.PATCH('/api/products/{id}/variants/', { params: { path: { id: productId } }, body: { variants: sent } }));
      toast.ok(`Saved ${sent.length} variant${sent.length === 1 ? '' : 's'}.`);
      onSaved();
    } catch (err) {
      const cells = cellErrorsOf(err, sent);
      setErrors(cells);
      setProblem(Object.keys(cells).length ? 'Nothing was saved: correct the cells marked in red.' : errorText(err));
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (v: Variant) => {
    if (!confirm(`Delete the variant ${v.title} (${v.sku})?`)) return;
    try {
      await ok(shop.DELETE('/api/products/{id}/variants/{variant_id}/', { params: { path: { id: productId, variant_id: v.id } } }));
      toast.ok(`Deleted ${v.title}.`);
      onSaved();
    } catch (err) {
      // 409: it is in an order (deactivate it instead) or it is the last one; the API says which.
      const text =
        err instanceof ApiError && err.status === 409 && /order/i.test(err.message)
          ? `${v.title} (${v.sku}) appears in orders, so it cannot be deleted. Untick its Active box instead: shoppers no longer see it, and order history keeps it.`
          : errorText(err);
      setProblem(text);
      toast.error(text);
    }
  };

  const cell = (v: Variant, name: Exclude<Cell, 'is_active' | 'image_id'>, label: string, props: { inputMode?: 'decimal' | 'numeric' } = {}) => {
    const messages = errors[v.id]?.[name];
    return (
      <td className={messages ? 'cell-invalid' : undefined} data-cell={name}>
        <input
          aria-label={`${label} of ${v.title}`}
          value={rows[v.id]?.[name] ?? ''}
          aria-invalid={Boolean(messages)}
          onChange={(e) => set(v.id, name, e.target.value)}
          {...props}
        />
        {messages ? <div className="field-error">{messages.join(' ')}</div> : null}
      </td>
    );
  };

  return (
    <div className="card" data-testid="product-variants">
      <div className="card-head">
        <h2>Variants</h2>
        <span className="muted small">
          {variants.length} variant{variants.length === 1 ? '' : 's'} · leave compare-at price or weight empty for none
        </span>
        <button type="button" disabled={busy || !dirty} onClick={() => void save()}>
          {busy ? 'Saving…' : 'Save variants'}
        </button>
      </div>
      {problem ? (
        <div className="form-error" role="alert" data-testid="variants-error">
          {problem}
        </div>
      ) : null}
      <div className="table-wrap">
        <table className="table variants-table" data-testid="variants-table">
          <thead>
            <tr>
              <th>Variant</th>
              <th>SKU</th>
              <th className="num">Price (₹)</th>
              <th className="num">Compare at</th>
              <th className="num">Stock</th>
              <th className="num">Weight (g)</th>
              <th>Active</th>
              <th>Image</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {variants.map((v) => {
              const row = rows[v.id] ?? rowOf(v);
              const rowErrors = errors[v.id]?.row;
              const imageErrors = errors[v.id]?.image_id;
              return (
                <tr key={v.id} data-variant-id={v.id} data-sku={v.sku} className={rowErrors ? 'row-invalid' : undefined}>
                  <th scope="row">
                    {v.title}
                    {rowErrors ? <div className="field-error">{rowErrors.join(' ')}</div> : null}
                  </th>
                  {cell(v, 'sku', 'SKU')}
                  {cell(v, 'price', 'Price', { inputMode: 'decimal' })}
                  {cell(v, 'compare_at_price', 'Compare-at price', { inputMode: 'decimal' })}
                  {cell(v, 'stock', 'Stock', { inputMode: 'numeric' })}
                  {cell(v, 'weight_grams', 'Weight', { inputMode: 'numeric' })}
                  <td data-cell="is_active">
                    <input
                      type="checkbox"
                      aria-label={`${v.title} active`}
                      checked={row.is_active}
                      onChange={(e) => set(v.id, 'is_active', e.target.checked)}
                    />
                  </td>
                  <td className={imageErrors ? 'cell-invalid' : undefined} data-cell="image_id">
                    <select
                      aria-label={`Image of ${v.title}`}
                      value={row.image_id}
                      aria-invalid={Boolean(imageErrors)}
                      onChange={(e) => set(v.id, 'image_id', e.target.value)}
                    >
                      <option value="">No image</option>
                      {sortedImages.map((image, index) => (
                        <option key={image.id} value={image.id}>
                          Image {index + 1}
                          {image.alt ? ` · ${image.alt}` : ''}
                        </option>
                      ))}
                    </select>
                    {imageErrors ? <div className="field-error">{imageErrors.join(' ')}</div> : null}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="small danger"
                      aria-label={`Delete variant ${v.title}`}
                      disabled={variants.length === 1}
                      onClick={() => void remove(v)}
                    >
                      ×
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
