import type { Schemas } from '@shop/client';
import { useState } from 'react';
import { ApiError, errorText, ok, shop } from '../api';
import { useToast } from '../ui';

type ProductOption = Schemas['ProductOption'];

/** The API's limit: a product has at most this many options. */
const MAX_OPTIONS = 3;

/** Every combination of the options' values, in display order ({"Size": "S", "Colour": "Red"}, …). */
export function combinations(options: ProductOption[]): Record<string, string>[] {
  let result: Record<string, string>[] = [{}];
  for (const option of options) {
    result = result.flatMap((combo) => option.values.map((value) => ({ ...combo, [option.name]: value })));
  }
  return options.length ? result : [];
}

/** A combination as a string that does not depend on key order, to compare with a variant's. */
export function comboKey(options: ProductOption[], values: Record<string, string>): string {
  return JSON.stringify(options.map((o) => values[o.name] ?? null));
}

const same = (a: ProductOption[], b: ProductOption[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The product's options (up to three, each with its values as chips). Saving PUTs the whole
 * list; "Generate variants" saves first when needed, then creates every missing combination.
 */
export function OptionsEditor({
  productId,
  saved,
  missing,
  onSaved,
  onGenerate,
}: {
  productId: number;
  saved: ProductOption[];
  /** How many combinations of the saved options have no variant yet. */
  missing: number;
  onSaved: () => void;
  onGenerate: (options: ProductOption[]) => Promise<void>;
}) {
  const toast = useToast();
  const [draft, setDraft] = useState<ProductOption[]>(saved);
  const [typed, setTyped] = useState<string[]>(() => saved.map(() => ''));
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = !same(draft, saved) || typed.some((t) => t.trim() !== '');

  const setOption = (index: number, change: Partial<ProductOption>) =>
    setDraft((list) => list.map((o, i) => (i === index ? { ...o, ...change } : o)));
  const setTypedAt = (index: number, value: string) => setTyped((list) => list.map((t, i) => (i === index ? value : t)));

  /** The draft with any value still in a text box added, as someone who typed it expects. */
  const withTyped = (): ProductOption[] =>
    draft.map((o, i) => {
      const extra = (typed[i] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter((v, j, all) => v && !o.values.includes(v) && all.indexOf(v) === j);
      return { name: o.name.trim(), values: [...o.values, ...extra] };
    });

  /** Adds what was typed (one value, or several separated by commas) as chips. */
  const addValues = (index: number, text: string) => {
    const extra = text.split(',').map((v) => v.trim()).filter(Boolean);
    setTypedAt(index, '');
    if (extra.length === 0) return;
    setDraft((list) =>
      list.map((o, i) => (i === index ? { ...o, values: [...o.values, ...extra.filter((v, j) => !o.values.includes(v) && extra.indexOf(v) === j)] } : o)),
    );
  };

  const save = async (): Promise<ProductOption[] | null> => {
    const options = withTyped();
    setBusy(true);
    setErrors({});
    setProblem(null);
    try {
      // The answer is the product: its options as stored.
      const product = await ok(shop.PUT('/api/products/{id}/options/', { params: { path: { id: productId } }, body: { options } }));
      setDraft(product.options);
      setTyped(product.options.map(() => ''));
      onSaved();
      return product.options;
    } catch (err) {
      const fields = err instanceof ApiError ? err.fieldErrors() : {};
      setErrors(fields);
      // The fields' messages sit under them; anything else (e.g. the 409 for a value that a
      // variant uses, which says which) stays on screen above the options.
      setProblem(Object.keys(fields).length ? 'The options were not saved: correct the fields marked in red.' : errorText(err));
      toast.error(err);
      return null;
    } finally {
      setBusy(false);
    }
  };

  const generate = async () => {
    const options = dirty ? await save() : saved;
    if (!options) return;
    setBusy(true);
    try {
      await onGenerate(options);
    } finally {
      setBusy(false);
    }
  };

  const optionErrors = (index: number, field: 'name' | 'values') => [
    ...(errors[`options.${index}.${field}`] ?? []),
    ...(field === 'values' ? Object.entries(errors).filter(([k]) => k.startsWith(`options.${index}.values.`)).flatMap(([, v]) => v) : []),
  ];

  return (
    <div className="card" data-testid="product-options">
      <div className="card-head">
        <h2>Options</h2>
        <span className="muted small">Up to {MAX_OPTIONS}, e.g. Size: S, M, L. Each variant is one combination of values.</span>
      </div>
      {problem ? (
        <div className="form-error" role="alert" data-testid="options-error">
          {problem}
        </div>
      ) : null}
      {errors.options ? <div className="field-error">{errors.options.join(' ')}</div> : null}
      {draft.map((option, index) => {
        const nameErrors = optionErrors(index, 'name');
        const valueErrors = optionErrors(index, 'values');
        return (
          <fieldset key={index} className="option-row" data-testid={`option-${index}`}>
            <legend className="sr-only">Option {index + 1}</legend>
            <div className={`field option-name${nameErrors.length ? ' field-invalid' : ''}`}>
              <label htmlFor={`option-name-${index}`}>Option {index + 1} name</label>
              <input
                id={`option-name-${index}`}
                value={option.name}
                placeholder="e.g. Size"
                aria-invalid={nameErrors.length > 0}
                onChange={(e) => setOption(index, { name: e.target.value })}
              />
              {nameErrors.length ? <div className="field-error">{nameErrors.join(' ')}</div> : null}
            </div>
            <div className={`field option-values${valueErrors.length ? ' field-invalid' : ''}`}>
              <label htmlFor={`option-values-${index}`}>{option.name.trim() || `Option ${index + 1}`} values</label>
              <div className="chips">
                {option.values.map((value) => (
                  <span key={value} className="chip">
                    {value}
                    <button
                      type="button"
                      className="ghost"
                      aria-label={`Remove ${option.name || 'option'} value ${value}`}
                      onClick={() => setOption(index, { values: option.values.filter((v) => v !== value) })}
                    >
                      ×
                    </button>
                  </span>
                ))}
                <input
                  id={`option-values-${index}`}
                  className="chip-input"
                  value={typed[index] ?? ''}
                  placeholder={option.values.length ? 'Add a value' : 'Type a value, press Enter'}
                  aria-invalid={valueErrors.length > 0}
                  onChange={(e) => {
                    if (e.target.value.endsWith(',')) addValues(index, e.target.value);
                    else setTypedAt(index, e.target.value);
                  }}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') {
                      e.preventDefault();
                      addValues(index, e.currentTarget.value);
                    }
                  }}
                  onBlur={(e) => addValues(index, e.currentTarget.value)}
                />
              </div>
              {valueErrors.length ? <div className="field-error">{valueErrors.join(' ')}</div> : null}
            </div>
            <button
              type="button"
              className="small danger option-remove"
              aria-label={`Remove option ${option.name || index + 1}`}
              onClick={() => {
                setDraft((list) => list.filter((_, i) => i !== index));
                setTyped((list) => list.filter((_, i) => i !== index));
              }}
            >
              Remove
            </button>
          </fieldset>
        );
      })}
      <div className="actions">
        <button
          type="button"
          className="secondary"
          disabled={draft.length >= MAX_OPTIONS}
          onClick={() => {
            setDraft((list) => [...list, { name: '', values: [] }]);
            setTyped((list) => [...list, '']);
          }}
        >
          Add option
        </button>
        <button type="button" disabled={busy || !dirty} onClick={() => void save()}>
          {busy ? 'Saving…' : 'Save options'}
        </button>
        <button type="button" className="secondary" disabled={busy || (!dirty && missing === 0)} onClick={() => void generate()}>
          Generate variants{!dirty && missing > 0 ? ` (${missing} missing)` : ''}
        </button>
      </div>
    </div>
  );
}
