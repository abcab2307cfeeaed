/**
 * The pure rules of options and variants (API-v2 §1): option lists, a variant's option
 * values against its product's options, titles and SKUs made from values. No I/O.
 */
import { addFieldError, type FieldErrors } from '../../http/errors.js';
import type { ProductOption } from '../../db/schema/index.js';

export type VariantOptions = Record<string, string>;

/**
 * Trims names and values and checks the list; errors are keyed `options.<i>.name|values`. An
 * item, name or value of the wrong type (the schema has named it) is left out of the checks.
 */
export function normalizeOptions(input: unknown[], errors: FieldErrors): ProductOption[] {
  const names = new Set<string>();
  return input.map((option, i) => {
    const { name: rawName, values: rawValues } = (option ?? {}) as { name?: unknown; values?: unknown };
    const name = typeof rawName === 'string' ? rawName.trim() : '';
    if (typeof rawName === 'string') {
      if (!name) addFieldError(errors, `options.${i}.name`, 'Must not be blank.');
      else if (names.has(name.toLowerCase())) {
        addFieldError(errors, `options.${i}.name`, `Option "${name}" is given twice (names ignore case).`);
      }
      names.add(name.toLowerCase());
    }
    const seen = new Set<string>();
    const values = (Array.isArray(rawValues) ? rawValues : []).flatMap((raw: unknown) => {
      if (typeof raw !== 'string') return [];
      const value = raw.trim();
      if (!value) addFieldError(errors, `options.${i}.values`, 'A value must not be blank.');
      else if (seen.has(value.toLowerCase())) {
        addFieldError(errors, `options.${i}.values`, `Value "${value}" is given twice (values ignore case).`);
      }
      seen.add(value.toLowerCase());
      return [value];
    });
    return { name, values };
  });
}

/** Why a variant's options do not fit its product's, or null when they do. */
export function optionsProblem(productOptions: ProductOption[], given: VariantOptions): string | null {
  const names = productOptions.map((o) => o.name);
  const extra = Object.keys(given).filter((name) => !names.includes(name));
  if (extra.length) {
    return names.length
      ? `Unknown option ${extra.map((n) => `"${n}"`).join(', ')}: the product's options are ${names.map((n) => `"${n}"`).join(', ')}.`
      : 'This product has no options: give {} (set the product\'s options first).';
  }
  for (const option of productOptions) {
    const value = given[option.name];
    if (value === undefined) return `Option "${option.name}" is required.`;
    if (!option.values.includes(value)) {
      return `"${value}" is not a value of option "${option.name}" (${option.values.map((v) => `"${v}"`).join(', ')}).`;
    }
  }
  return null;
}

/** A variant's combination as a comparable key (values in the product's option order). */
export function comboKey(productOptions: ProductOption[], options: VariantOptions): string {
  return JSON.stringify(productOptions.map((o) => options[o.name] ?? null));
}

/** The title made from the option values ("M / Red"), "Default" without options. */
export function autoTitle(productOptions: ProductOption[], options: VariantOptions): string {
  const values = productOptions.map((o) => options[o.name]).filter((v): v is string => v !== undefined);
  return values.length ? values.join(' / ').slice(0, 200) : 'Default';
}

function slugPart(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents, split off by NFKD: "Rôt" → "rot"
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** An SKU made from the product's slug and the option values: `blue-shirt-m-red` (at most 64 chars). */
export function skuBase(slug: string, productOptions: ProductOption[], options: VariantOptions): string {
  const parts = [slug, ...productOptions.map((o) => slugPart(options[o.name] ?? ''))].filter(Boolean);
  return trimSku(parts.join('-')) || 'variant';
}

/** `base` shortened so that `base + suffix` fits in 64 characters. */
export function trimSku(base: string, suffix = ''): string {
  return base.slice(0, 64 - suffix.length).replace(/[-.]+$/, '') + suffix;
}

/** The candidates tried for an SKU made from `base`, in order. */
export function skuCandidates(base: string, count = 6): string[] {
  return [trimSku(base), ...Array.from({ length: count - 1 }, (_, i) => trimSku(base, `-${i + 2}`))];
}
